#!/usr/bin/env bash
# Set up a class of the course on The Littlest JupyterHub (TLJH).
#
# Run as root on a server where TLJH is installed (see the instructor guide
# for the installer command), from the project folder:
#
#   sudo ADMIN=prof HOST=hub.example.org EMAIL=cours@example.org \
#     ROSTER=roster.csv MIRROR_SOURCE=/path/to/portal-snapshot \
#     bash deploy/tljh/setup.sh
#
# ROSTER is a CSV file with username,role columns (instructor, grader,
# learner). MIRROR_SOURCE is a copy of the course's data files; it is copied
# to /srv/donneesqc-mirror and made read-only. HOST and EMAIL turn on HTTPS
# with Let's Encrypt; leave them out to keep plain HTTP behind your own proxy.
set -euo pipefail

project_dir="$(cd "$(dirname "$0")/../.." && pwd)"
tljh_dir=/opt/tljh
course_id="${COURSE_ID:-donneesqc}"
config_dir="$tljh_dir/config/donneesqc"
user_pip="$tljh_dir/user/bin/pip"
mirror=/srv/donneesqc-mirror

: "${ADMIN:?set ADMIN to the hub user name of the instructor}"
: "${ROSTER:?set ROSTER to the class roster (CSV: username,role)}"
command -v tljh-config >/dev/null || { echo "tljh-config not found: install TLJH first" >&2; exit 1; }

# 1. Hub settings (the same values as deploy/tljh/config.yaml).
tljh-config add-item users.admin "$ADMIN"
tljh-config set limits.memory 1G
tljh-config set limits.cpu 1
tljh-config set user_environment.default_app jupyterlab
tljh-config set services.cull.enabled true
tljh-config set services.cull.timeout 3600
tljh-config set services.cull.every 300
if [[ -n "${HOST:-}" && -n "${EMAIL:-}" ]]; then
  tljh-config set https.enabled true
  tljh-config set https.letsencrypt.email "$EMAIL"
  tljh-config add-item https.letsencrypt.domains "$HOST"
fi

# 2. The course environment: TLJH's user environment gets the pinned
# packages and the course's widgets package. TLJH's hub has its own
# jupyterhub; keep the same major version in requirements.txt.
"$user_pip" install --no-cache-dir -r "$project_dir/requirements.txt"
"$user_pip" install --no-cache-dir --no-deps "$project_dir"

# 3. The course's hub configuration and the role configurations.
mkdir -p "$config_dir"
cp "$project_dir/deploy/course_hub.py" "$config_dir/"
rm -rf "$config_dir/jupyter"
cp -r "$project_dir/deploy/jupyter" "$config_dir/jupyter"
cp "$ROSTER" "$config_dir/roster.csv"
cp "$project_dir/deploy/tljh/jupyterhub_config.d/donneesqc.py" \
  "$tljh_dir/config/jupyterhub_config.d/donneesqc.py"

# 4. The variables of course_hub.py, given to the hub by systemd.
cat > "$config_dir/course.env" <<ENV
DONNEESQC_COURSE_ID=$course_id
DONNEESQC_ROSTER=$config_dir/roster.csv
DONNEESQC_COURSE_DIR=/home/grader-$course_id/$course_id
DONNEESQC_GRADER_ACCOUNT=grader-$course_id
DONNEESQC_EXCHANGE=/srv/nbgrader/exchange
DONNEESQC_MIRROR=$mirror
DONNEESQC_JUPYTER_CONFIG=$config_dir/jupyter
DONNEESQC_SINGLEUSER_CMD=$tljh_dir/user/bin/jupyterhub-singleuser
DONNEESQC_AUTOGRADE_TIMEOUT=60
ENV
mkdir -p /etc/systemd/system/jupyterhub.service.d
cat > /etc/systemd/system/jupyterhub.service.d/donneesqc.conf <<UNIT
[Service]
EnvironmentFile=$config_dir/course.env
UNIT
systemctl daemon-reload

# 5. The data mirror, read-only for the learners' accounts.
if [[ -n "${MIRROR_SOURCE:-}" ]]; then
  mkdir -p "$mirror"
  cp -r "$MIRROR_SOURCE/." "$mirror/"
  chown -R root:root "$mirror"
  chmod -R a-w,a+rX "$mirror"
fi

# 6. Exchange, formgrader account and course directory.
set -a
# shellcheck source=/dev/null
source "$config_dir/course.env"
set +a
bash "$project_dir/deploy/prepare_host.sh"

# 7. Restart the hub with everything above.
systemctl restart jupyterhub
tljh-config reload proxy
echo "Class ready: log in as $ADMIN; the formgrader is at /services/$course_id/"
