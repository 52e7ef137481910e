#!/usr/bin/env bash
# Prepare a server for a class: the nbgrader exchange, the formgrader's
# account and course directory, and a check of the data mirror.
#
# Run as root, with the same DONNEESQC_* variables as the hub (see
# deploy/course_hub.py). Running it again changes nothing that exists.
#
#   DONNEESQC_EXCHANGE        exchange folder (default /srv/nbgrader/exchange)
#   DONNEESQC_COURSE_ID       course id (default donneesqc)
#   DONNEESQC_GRADER_ACCOUNT  Unix account of the formgrader (created if missing;
#                             empty: no account, the hub's own runs it)
#   DONNEESQC_COURSE_DIR      course directory (default
#                             /home/grader-<course id>/<course id>)
#   DONNEESQC_MIRROR          read-only folder of the course data files
#   DONNEESQC_MIRROR_SOURCE   optional: a folder to bind-mount read-only at
#                             DONNEESQC_MIRROR
set -euo pipefail

project_dir="$(cd "$(dirname "$0")/.." && pwd)"
exchange="${DONNEESQC_EXCHANGE:-/srv/nbgrader/exchange}"
course_id="${DONNEESQC_COURSE_ID:-donneesqc}"
grader_account="${DONNEESQC_GRADER_ACCOUNT:-}"
course_dir="${DONNEESQC_COURSE_DIR:-/home/grader-${course_id}/${course_id}}"
mirror="${DONNEESQC_MIRROR:-}"
mirror_source="${DONNEESQC_MIRROR_SOURCE:-}"

# 1. The exchange: every account writes its submissions there. The sticky
# bit keeps one account from deleting another's folders; nbgrader sets the
# modes of the folders it creates inside.
mkdir -p "$exchange"
chmod 1777 "$exchange"
echo "exchange: $exchange (mode $(stat -c %a "$exchange"))"

# 2. The formgrader's account.
if [[ -n "$grader_account" ]] && ! id "$grader_account" >/dev/null 2>&1; then
  useradd --create-home --shell /bin/bash "$grader_account"
  echo "account created: $grader_account"
fi

# 3. The course directory, copied from exercises/ the first time only, because
# after that it contains the gradebook and the submissions. It contains the
# solutions, so only its owner may read it.
if [[ ! -d "$course_dir" ]]; then
  mkdir -p "$course_dir"
  if [[ -d "$project_dir/exercises/source" ]]; then
    cp -r "$project_dir/exercises/source" "$course_dir/source"
    if [[ -f "$project_dir/exercises/nbgrader_config.py" ]]; then
      cp "$project_dir/exercises/nbgrader_config.py" "$course_dir/"
    fi
  else
    echo "warning: $project_dir/exercises/source not found; the course directory is empty" >&2
  fi
  if [[ -n "$grader_account" ]]; then
    chown -R "$grader_account:" "$(dirname "$course_dir")"
  fi
  chmod 700 "$course_dir"
  echo "course directory created: $course_dir"
else
  echo "course directory kept: $course_dir"
fi

# 4. The data mirror: every learner reads it in place and no account writes to it.
if [[ -n "$mirror_source" ]]; then
  mkdir -p "$mirror"
  if ! mountpoint -q "$mirror"; then
    mount --bind "$mirror_source" "$mirror"
    mount -o remount,bind,ro "$mirror"
    echo "mirror mounted read-only: $mirror_source -> $mirror"
  fi
fi
if [[ -n "$mirror" ]]; then
  if [[ ! -f "$mirror/MANIFEST.md" ]]; then
    echo "warning: $mirror has no MANIFEST.md; is it a course mirror?" >&2
  fi
  if [[ -n "$(find "$mirror" -perm -o+w -print -quit)" ]]; then
    echo "warning: $mirror has files that every account can write; run chmod -R o-w on it" >&2
  fi
fi
