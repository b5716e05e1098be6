#!/bin/sh
# man.sh: the manual page renders without warnings and documents every
# command, alias, completion word and `set` parameter of the binary's
# tables (gmoe --list-commands, --list-params, --list-words).
. "${top_srcdir:-.}/tests/lib.sh"
page="$top_srcdir/man/gmoe.1"
command -v groff >/dev/null 2>&1 || { echo "groff not found: skipping"; exit 77; }

scratch man

# 1. No warnings from groff at its strictest.
groff -man -Tutf8 -ww -z "$page" > "$tmp/warn" 2>&1
if [ -s "$tmp/warn" ]; then
  bad "groff -man -Tutf8 -ww warns:"
  cat "$tmp/warn"
fi

# 2. The COMMANDS section as plain text: no hyphenation, long lines.
groff -man -Tascii -P-cbou -rHY=0 -rLL=300n "$page" 2>/dev/null \
  | awk '/^[A-Z]/ { on = ($0 == "COMMANDS") ; next } on' > "$tmp/commands"
[ -s "$tmp/commands" ] || bad "no COMMANDS section in $page"
# Entry tags start at the section indent (7 columns, commands) or at the
# nested indent (14 columns, `set` parameters).
grep -E '^ {7}[a-z]' "$tmp/commands" > "$tmp/tags"
grep -E '^ {14}set [a-z]' "$tmp/commands" > "$tmp/ptags"

"$GMOE" --list-commands > "$tmp/cmds" || bad "gmoe --list-commands failed"
"$GMOE" --list-params > "$tmp/params" || bad "gmoe --list-params failed"
"$GMOE" --list-words > "$tmp/words" || bad "gmoe --list-words failed"
[ -s "$tmp/cmds" ] || bad "gmoe --list-commands printed nothing"
[ -s "$tmp/params" ] || bad "gmoe --list-params printed nothing"

# Every command name and alias begins an entry ("quit, exit" holds two).
while read -r name; do
  grep -Eq "^ {7}([a-z]+, )*$name(,| |\$)" "$tmp/tags" \
    || bad "command '$name' has no entry in COMMANDS"
done < "$tmp/cmds"

# Every parameter has a `set NAME` entry.
while read -r name; do
  grep -Eq "^ {14}set $name( |\$)" "$tmp/ptags" \
    || bad "parameter '$name' has no 'set $name' entry in COMMANDS"
done < "$tmp/params"

# Every completion word appears in an entry of its own command, and every
# parameter value in that parameter's entry.
while read -r cmd word rest; do
  if [ "$cmd" = set ] && [ -n "$rest" ]; then
    grep -E "^ {14}set $word( |\$)" "$tmp/ptags" | grep -Eq "(^|[^a-z0-9_])$rest([^a-z0-9_]|\$)" \
      || bad "value '$rest' of 'set $word' is not in its entry"
  else
    grep -E "^ {7}$cmd( |\$)" "$tmp/tags" | grep -Eq "(^|[^a-z0-9_])$word([^a-z0-9_]|\$)" \
      || bad "'$cmd $word' is not in an entry of '$cmd'"
  fi
done < "$tmp/words"

# 3. Every example of EXAMPLES runs: shell lines ("$ ...") with this gmoe
# first on PATH, interactive sessions ("gmoe> ...") as a script on stdin;
# each must exit 0 with no gmoe error.
groff -man -Tascii -P-cbou -rHY=0 -rLL=300n "$page" 2>/dev/null \
  | awk '/^[A-Z]/ { on = ($0 == "EXAMPLES"); next } on' \
  | awk -v dir="$tmp" '
      BEGIN { n = 0; pad = "              " }
      substr($0, 1, 14) == pad { if (!inblock) n++; inblock = 1
                                 print substr($0, 15) > (dir "/example" n); next }
      { inblock = 0 }
      END { print n > (dir "/nexamples") }'
nex=$(cat "$tmp/nexamples")
[ "$nex" -ge 5 ] || bad "only $nex examples found in EXAMPLES"
mkdir "$tmp/run" "$tmp/home"
bindir=$(cd "$(dirname "$GMOE")" && pwd)
i=1
ran=0
while [ "$i" -le "$nex" ]; do
  ex="$tmp/example$i"
  if grep -q '^gmoe> ' "$ex"; then
    sed -n 's/^gmoe> //p' "$ex" > "$tmp/script$i"
    (cd "$tmp/run" && HOME="$tmp/home" "$GMOE" -n < "$tmp/script$i") > "$tmp/out$i" 2> "$tmp/err$i"
  elif grep -q 'parallel ' "$ex" && ! command -v parallel >/dev/null 2>&1; then
    echo "note: GNU parallel not installed, example $i not run"
    i=$((i + 1))
    continue
  else
    sed 's/^\$ //' "$ex" > "$tmp/script$i"
    (cd "$tmp/run" && HOME="$tmp/home" PATH="$bindir:$PATH" sh -e "$tmp/script$i") \
      > "$tmp/out$i" 2> "$tmp/err$i"
  fi
  rc=$?
  ran=$((ran + 1))
  if [ "$rc" -ne 0 ] || grep -q '^gmoe: ' "$tmp/err$i"; then
    bad "example $i exits with status $rc:"
    sed 's/^/    /' "$ex"
    sed 's/^/  stderr: /' "$tmp/err$i"
  fi
  i=$((i + 1))
done

if [ "$fail" -gt 0 ]; then
  echo "$fail check(s) failed"
  exit 1
fi
echo "man page: no warnings; $(wc -l < "$tmp/cmds") commands and aliases," \
  "$(wc -l < "$tmp/params") parameters, $(wc -l < "$tmp/words") words documented;" \
  "$ran of $nex examples run"
exit 0
