#!/bin/bash
# Every flag in --help is in the man page and the README, and the other way round.
set -euo pipefail
SUITE=docs
. "$(dirname "$0")/lib.sh"
MAN=$ROOT/man/pftrace.1
README=$ROOT/README.md

# the top level: pftrace --help
for f in $("$PFTRACE" --help | grep -oE -- '--[a-z][a-z-]+' | sort -u); do
	if grep -qF -- "$(sed 's/-/\\-/g' <<<"$f")" "$MAN"; then ok; else bad "pftrace $f not in man page"; fi
	if grep -qF -- "$f" "$README"; then ok; else bad "pftrace $f not in README"; fi
done
for cmd in report record diff top; do
	flags=$("$PFTRACE" $cmd --help | grep -oE -- '--[a-z][a-z-]+' | sort -u)
	[ -n "$flags" ] && ok || bad "$cmd --help lists no flags"
	for f in $flags; do
		# the man page escapes dashes: \-\-json
		if grep -qF -- "$(sed 's/-/\\-/g' <<<"$f")" "$MAN"; then ok; else bad "$cmd $f not in man page"; fi
		if grep -qF -- "$f" "$README"; then ok; else bad "$cmd $f not in README"; fi
	done
	# the man page's flags for this command all exist in --help
	man_flags=$(awk '/^\.S[SH]/ {on = 0} /^\.SS "?pftrace '"$cmd"'/ {on = 1} on' "$MAN" |
		grep -oE -- '\\-\\-[a-z]+(\\-[a-z]+)*' | sed 's/\\//g' | sort -u)
	for f in $man_flags; do
		if grep -qxF -- "$f" <<<"$flags"; then ok; else bad "man page has $cmd $f, --help does not"; fi
	done
done
finish
