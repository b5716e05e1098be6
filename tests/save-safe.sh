#!/bin/sh
# save-safe.sh: every `save` (data, model, trace, sweep) writes a temporary
# file beside the target and renames it, so a save that fails leaves the
# file that was there byte for byte, leaves no temporary file behind, and
# reports why with status 1.  Failures tried: a full disk (simulated with
# `ulimit -f 0`, so that every write fails with EFBIG), a directory that
# does not exist, a path through a regular file, a target that is a
# directory, and (when not running as root, who may write anywhere) a
# read-only directory.  A good save gets the usual permissions (0644 under
# umask 022), whether or not the file existed.

. "${top_srcdir:-.}/tests/lib.sh"
scratch save
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT INT TERM
umask 022
skip=0
state='set n 3000; simulate; fit; set threads 1; sweep n 50,60 reps 2'

# save_fails NAME WHAT PATH MESSAGE [LIMIT]: `save WHAT PATH` after building
# the state must exit 1 with the error MESSAGE (without the "gmoe: -e:1: "
# prefix), under `ulimit -f LIMIT` when LIMIT is given.  Standard error
# goes through a pipe, which the file size limit does not touch.
save_fails() {
  (
    trap '' XFSZ
    [ -n "$5" ] && ulimit -f "$5"
    HOME="$tmp" $GMOE_WRAPPER "$GMOE" -n -q -e "$state" -e "save $2 $3" >/dev/null </dev/null
    echo "status $?"
  ) 2>&1 | cat >err
  printf 'gmoe: -e:2: %s\nstatus 1\n' "$4" >want
  diff -u want err >diff
  result "$1" $?
  [ -s diff ] && cat diff
}

# unchanged NAME FILE: FILE is still byte for byte its copy FILE.good, and
# no temporary file is left in its directory.
unchanged() {
  cmp -s "$2" "$2.good"
  result "$1: the existing file is untouched" $?
  left=$(ls -a "$(dirname "$2")" | grep tmp)
  [ -z "$left" ]
  result "$1: no temporary file is left${left:+ (found $left)}" $?
}

for what in data model trace sweep; do
  case $what in data | trace | sweep) f=$what.csv ;; model) f=$what.gmoe-model ;; esac
  HOME="$tmp" $GMOE_WRAPPER "$GMOE" -n -q -e "$state; save $what $f" >/dev/null 2>err </dev/null
  result "save $what: a first save works" $?
  cp "$f" "$f.good"
  [ "$(stat -c %a "$f")" = 644 ]
  result "save $what: a new file has mode 644, not $(stat -c %a "$f")" $?
  HOME="$tmp" $GMOE_WRAPPER "$GMOE" -n -q -e "$state; save $what $f" >/dev/null 2>err </dev/null
  [ "$(stat -c %a "$f")" = 644 ]
  result "save $what: a replaced file has mode 644, not $(stat -c %a "$f")" $?
  cp "$f" "$f.good"

  # A full disk: every write fails.
  case $what in
    data) msg="save data: $f: cannot write: File too large" ;;
    *) msg="save $what: cannot write '$f': File too large" ;;
  esac
  save_fails "save $what on a full disk" $what "$f" "$msg" 0
  unchanged "save $what on a full disk" "$f"

  # A directory that does not exist, and a path through a regular file.
  case $what in
    data) msg="save data: nodir/$f: cannot create a temporary file beside it: No such file or directory" ;;
    *) msg="save $what: cannot write 'nodir/$f': No such file or directory" ;;
  esac
  save_fails "save $what into a missing directory" $what "nodir/$f" "$msg"
  case $what in
    data) msg="save data: $f/x: cannot create a temporary file beside it: Not a directory" ;;
    *) msg="save $what: cannot write '$f/x': Not a directory" ;;
  esac
  save_fails "save $what through a regular file" $what "$f/x" "$msg"
  unchanged "save $what through a regular file" "$f"

  # A target that is a directory stays one.
  mkdir "dir-$what"
  case $what in
    data) msg="save data: dir-$what: is a directory" ;;
    *) msg="save $what: cannot write 'dir-$what': Is a directory" ;;
  esac
  save_fails "save $what over a directory" $what "dir-$what" "$msg"
  [ -d "dir-$what" ] && [ -z "$(ls -A "dir-$what")" ] && [ -z "$(ls -a | grep tmp)" ]
  result "save $what over a directory: the directory stays, empty, and no temporary file is left" $?

  # A read-only directory holding a good file (root may write there anyway).
  mkdir "ro-$what"
  cp "$f.good" "ro-$what/$f"
  cp "$f.good" "ro-$what/$f.good"
  chmod a-w "ro-$what"
  if [ -w "ro-$what" ]; then
    skip=$((skip + 1))
  else
    case $what in
      data) msg="save data: ro-$what/$f: cannot create a temporary file beside it: Permission denied" ;;
      *) msg="save $what: cannot write 'ro-$what/$f': Permission denied" ;;
    esac
    save_fails "save $what into a read-only directory" $what "ro-$what/$f" "$msg"
    unchanged "save $what into a read-only directory" "ro-$what/$f"
  fi
done
[ $skip -gt 0 ] && echo "note: running as root: the read-only directory cases were skipped"

report
