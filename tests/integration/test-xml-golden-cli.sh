#!/bin/bash
# test-xml-golden-cli: the golden corpus through the real binary. `vmdeck validate NAME.xml`
# must agree with tests/data/xml/{domain,network,capabilities}: exit 0 and "NAME.xml: valid (...)" where
# NAME.out exists; where NAME.err exists, exit 1, nothing on stdout, and the line of NAME.err
# among the error lines on stderr (validate lists every problem it finds, one per line; it
# reads the dialect from the root element, so "domain XML" may read "XML" before that, and
# errors the library reports without a file, such as an empty document, must at least name
# the file). The bad-wrong-root cases are skipped: validate accepts either dialect.
# test-xml-golden checks the same files against the library; this checks the CLI path
# (file reading, dialect detection, schema, exit codes, error lines).
set -u

SRC=${VMDECK_SOURCE_DIR:?VMDECK_SOURCE_DIR must point at the source tree}
VMDECK_BIN=${VMDECK_BIN:?VMDECK_BIN must point at the vmdeck binary}
PASSED=0
FAILED=0
TMP=$(mktemp -d /tmp/vmdeck-golden-cli.XXXXXX)
export VMDECK_CONFIG_DIR=$TMP/config VMDECK_RUNTIME_DIR=$TMP/run
trap 'rm -rf "$TMP"' EXIT

fail() {
    echo "FAIL: $*"
    FAILED=$((FAILED + 1))
}

for kind in domain network capabilities; do
    dir=$SRC/tests/data/xml/$kind
    cd "$dir" || exit 1
    for xml in *.xml; do
        name=${xml%.xml}
        "$VMDECK_BIN" validate "$xml" >"$TMP/out" 2>"$TMP/err"
        rc=$?
        out=$(cat "$TMP/out")
        err=$(cat "$TMP/err")
        if [ -e "$name.out" ]; then
            if [ "$rc" -eq 0 ] && [[ "$out" == "$xml: valid ($kind"* ]] && [ -z "$err" ]; then
                PASSED=$((PASSED + 1))
            else
                fail "$kind/$xml: expected valid, got exit $rc, stdout '$out', stderr '$err'"
            fi
        elif [ "$name" = bad-wrong-root ]; then
            continue
        elif [ -e "$name.err" ]; then
            want=$(sed -E 's/(domain|network|capabilities) XML/XML/' "$name.err")
            got=$(printf '%s\n' "$err" | sed -E 's/(domain|network|capabilities) XML/XML/')
            if [ "$rc" -ne 1 ] || [ -n "$out" ] || [ -z "$err" ]; then
                fail "$kind/$xml: expected errors and exit 1, got exit $rc, stdout '$out'," \
                    "stderr '$err'"
            elif printf '%s\n' "$got" | grep -Fxq -- "$want" ||
                { [[ "$want" != "$xml:"* ]] && [[ "$err" == "$xml: "* ]]; }; then
                PASSED=$((PASSED + 1))
            else
                fail "$kind/$xml: stderr '$err' does not have the expected '$want'"
            fi
        else
            fail "$kind/$xml has neither $name.out nor $name.err"
        fi
    done
done

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ] && [ "$PASSED" -gt 0 ]
