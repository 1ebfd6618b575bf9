#!/usr/bin/env bash
# Developer and CI entry point behind the Makefile and .ci/run.
#
# usage: tools/dev.sh COMMAND [ARGS...]
#   venv         create/update .venv (python3 -m venv; requirements-dev.txt, requirements.txt, ./simulator), and
#                .venv-rulebook (ansible-rulebook, tools/requirements-rulebook.txt) with Java 17 (apt-get as root when
#                java is missing) for the event source's test under ansible-rulebook
#   sanity       ansible-test sanity --local --python 3.11 in a staged copy
#   units        ansible-test units --local --python 3.11 --requirements in a staged copy, then pytest simulator/tests
#   integration  pytest tests/integration (playbooks against the simulator)
#   lint         ansible-lint (production profile, offline)
#   build        ansible-galaxy collection build + install into a temp dir
#   galaxy       build, install from the tarball, check its contents, pip-install its simulator, galaxy-importer
#                (RUN_ANSIBLE_TEST=False) in .venv-importer
#   docs         in a copy with the generated docsite pages made afresh (tools/docsite_md.py; stale committed
#                ones are a warning, an error with EFLO_DOCS_STRICT=1): antsibull-docs lint-collection-docs, the Sphinx
#                docsite built offline (EFLO_DOCS_OUT=DIR keeps it), changelog lint + rendered to CHANGELOG.md;
#                in .venv-docs
#   ee           ansible-builder create for execution-environment.yml; the build context names httpx, pydantic,
#                jmespath and the collection tarball; introspection of the installed collection finds them too
#   matrix       sanity (all but pylint and pep8, which `sanity` runs) + units on ansible-core 2.16 / Python 3.11
#                (.venv-core216) and 2.21 / Python 3.12 (.venv-core221); EFLO_MATRIX_SANITY replaces the sanity
#                arguments ("" = every test, "--test compile --test import" = only those)
#   test         all of the above; every step runs, then one line "N passed, N failed"
#   test-long    pytest -m long
#   demo         start the simulator, run playbooks/demo.yml against it, stop it
#   bench        python bench/run.py
#   clean        remove what the tools left in the checkout (git-ignored files only)
#   distclean    clean, and remove .venv
#
# Environment: PYTHON (interpreter for the venv, default python3), EFLO_VENV (default .venv),
# EFLO_TEST_STEPS (steps of `test`, default "venv sanity units integration lint build galaxy docs ee matrix"),
# EFLO_DEMO_PLAYBOOK (default playbooks/demo.yml; the demo itself reads EFLO_DEMO_SPEED).
#
# demo: the playbook gets -e eflo_endpoint=<simulator URL> -e eflo_region=cn-wulanchabu, and the environment
# ALIBABA_CLOUD_ACCESS_KEY_ID/_SECRET (the simulator's demo key), ALIBABA_CLOUD_REGION_ID, EFLO_SIMULATOR_URL.
set -uo pipefail

export LC_ALL=C.UTF-8 LANG=C.UTF-8
export PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${EFLO_VENV:-$ROOT/.venv}
PY=$VENV/bin/python
CONTROLLER_PY=3.11
STAMP=$VENV/.eflo-requirements.sha256
export PATH="$VENV/bin:$PATH"

TMP_DIRS=()
cleanup_tmp() {
  local d
  for d in "${TMP_DIRS[@]+"${TMP_DIRS[@]}"}"; do rm -rf -- "$d"; done
}
trap cleanup_tmp EXIT

new_tmp() {  # new_tmp VAR: make a temp dir removed on exit, store its path in VAR
  local d
  d=$(mktemp -d "${TMPDIR:-/tmp}/eflo-$1.XXXXXX") || return
  TMP_DIRS+=("$d")
  printf -v "$1" '%s' "$d"
}

log() { printf '%s\n' "$*" >&2; }

# ----------------------------------------------------------------------------------------------- venv

requirements_key() {
  local f
  {
    "$PY" -c 'import sys; print(sys.version)'
    for f in requirements.txt requirements-dev.txt simulator/pyproject.toml; do
      if [ -f "$ROOT/$f" ]; then printf '%s ' "$f"; sha256sum < "$ROOT/$f"; fi
    done
  } | sha256sum | cut -d' ' -f1
}

pip_install() {  # pip install -q, without the machine-specific "Location ... is ignored" noise
  "$PY" -m pip install -q "$@" 2>&1 | grep -v "is ignored: it is neither a file nor a directory"
  return "${PIPESTATUS[0]}"
}

cmd_venv() {
  main_venv && rulebook_venv
}

main_venv() {
  local key args
  if [ ! -x "$PY" ]; then
    log "venv: creating $VENV"
    "${PYTHON:-python3}" -m venv "$VENV" || return
    rm -f "$STAMP"
  fi
  key=$(requirements_key) || return
  if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$key" ]; then
    log "venv: up to date ($VENV)"
    return 0
  fi
  args=(-r "$ROOT/requirements-dev.txt" -r "$ROOT/requirements.txt")
  if [ -f "$ROOT/simulator/pyproject.toml" ]; then
    args+=(-e "$ROOT/simulator")
  fi
  log "venv: installing ${args[*]}"
  pip_install --upgrade pip || return
  pip_install "${args[@]}" || return
  printf '%s\n' "$key" > "$STAMP"
}

# ---------------------------------------------------------------------------- ansible-test helpers

# ansible-test bootstraps pip in its venvs with a get-pip script it downloads from a host that is not
# reachable here; it uses ~/.ansible/test/cache/get_pip_<ver>.py instead when that file exists.
install_pip_shim() {  # install_pip_shim [PYTHON]: for the ansible-test of PYTHON's venv (default: .venv)
  local internal ver target
  internal=$("${1:-$PY}" -c 'import ansible_test, os; print(os.path.join(os.path.dirname(ansible_test.__file__), "_internal"))') || return
  ver=$(grep -oP "^\s+pip='\K[0-9.]+" "$internal/python_requirements.py" | head -n 1)
  if [ -z "$ver" ]; then
    log "pip shim: cannot find the pip version ansible-test wants"
    return 1
  fi
  target="$HOME/.ansible/test/cache/get_pip_${ver//./_}.py"
  if [ -f "$target" ] && ! grep -q 'alibabacloud.eflo get-pip shim' "$target"; then
    return 0  # a real get-pip script is already there
  fi
  if ! cmp -s "$ROOT/tools/get_pip_shim.py" "$target"; then
    mkdir -p "$(dirname "$target")" && cp "$ROOT/tools/get_pip_shim.py" "$target" || return
  fi
}

stage() {  # stage VAR: copy the collection into a temp ansible_collections tree, store the copy's path in VAR
  local tmp
  new_tmp tmp || return
  printf -v "$1" '%s' "$("$ROOT/tools/stage_collection.sh" "$tmp")" || return
}

pytest_allow_empty() {  # pytest_allow_empty ARGS...: run pytest, treating "no tests collected" (5) as success
  local rc=0
  "$PY" -m pytest "$@" || rc=$?
  if [ "$rc" -eq 5 ]; then
    log "pytest: no tests collected in $*"
    return 0
  fi
  return "$rc"
}

# ------------------------------------------------------------------------------------------- steps

cmd_sanity() {
  local copy
  install_pip_shim || return
  stage copy || return
  (cd "$copy" && ansible-test sanity --local --python "$CONTROLLER_PY" --color no "$@")
}

cmd_units() {
  local copy rc=0
  stage copy || return
  if [ -d "$copy/tests/unit" ]; then
    (cd "$copy" && ansible-test units --local --python "$CONTROLLER_PY" --requirements --color no "$@") || rc=$?
  else
    log "units: no tests/unit"
  fi
  if [ -d "$ROOT/simulator/tests" ]; then
    (cd "$ROOT/simulator" && pytest_allow_empty -q -p no:cacheprovider -m "not long" tests) || rc=$?
  else
    log "units: no simulator/tests"
  fi
  return "$rc"
}

cmd_integration() {
  (cd "$ROOT" && pytest_allow_empty -q -p no:cacheprovider -n 2 -m "not long" tests/integration "$@")
}

lint_tree() {  # lint_tree VAR: a temp ANSIBLE_COLLECTIONS_PATH whose alibabacloud/eflo links to the checkout
  local tmp
  new_tmp tmp || return
  mkdir -p "$tmp/ansible_collections/alibabacloud" && ln -s "$ROOT" "$tmp/ansible_collections/alibabacloud/eflo" || return
  printf -v "$1" '%s' "$tmp"
}

cmd_lint() {
  local tree
  lint_tree tree || return
  (cd "$ROOT" && ANSIBLE_COLLECTIONS_PATH=$tree ANSIBLE_HOME=$tree/.ansible ansible-lint "$@")
}

cmd_test_long() {
  local paths=(tests/integration)
  [ -d "$ROOT/simulator/tests" ] && paths+=(simulator/tests)
  (cd "$ROOT" && pytest_allow_empty -q -p no:cacheprovider -m long "${paths[@]}" "$@")
}

cmd_bench() {
  if [ ! -f "$ROOT/bench/run.py" ]; then
    echo "make bench: not yet available"
    return 0
  fi
  (cd "$ROOT" && "$PY" bench/run.py "$@")
}

# -------------------------------------------------------------------------------------------- demo

PLAY_PID=
stop_playbook() {
  if [ -n "$PLAY_PID" ] && kill -0 "$PLAY_PID" 2>/dev/null; then
    kill -TERM "$PLAY_PID" 2>/dev/null
    wait "$PLAY_PID" 2>/dev/null
  fi
  PLAY_PID=
}

SIM_PID=
stop_simulator() {
  if [ -n "$SIM_PID" ] && kill -0 "$SIM_PID" 2>/dev/null; then
    kill -TERM -- "-$SIM_PID" 2>/dev/null || kill -TERM "$SIM_PID" 2>/dev/null
    for _ in $(seq 1 50); do
      kill -0 "$SIM_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL -- "-$SIM_PID" 2>/dev/null || true
  fi
  SIM_PID=
}

start_simulator() {  # start_simulator WORKDIR VAR: start it on a free loopback port, store its URL in VAR
  local work=$1
  # setsid: its own process group, so that stop_simulator also ends any worker it spawns
  setsid "$PY" -m eflo_simulator --host 127.0.0.1 --port 0 --ready-file "$work/ready" \
    </dev/null >"$work/simulator.log" 2>&1 &
  SIM_PID=$!
  for _ in $(seq 1 300); do
    if [ -s "$work/ready" ]; then
      printf -v "$2" '%s' "$(cat "$work/ready")"
      return 0
    fi
    kill -0 "$SIM_PID" 2>/dev/null || break
    sleep 0.1
  done
  log "demo: the simulator did not start within 30s; its log:"
  tail -n 40 "$work/simulator.log" >&2
  return 1
}

cmd_demo() {
  local playbook=${EFLO_DEMO_PLAYBOOK:-playbooks/demo.yml}
  if [ ! -f "$ROOT/$playbook" ] && [ ! -f "$playbook" ]; then
    echo "make demo: not yet available"
    return 0
  fi
  local work tree url rc=0
  new_tmp work || return
  lint_tree tree || return
  trap 'stop_playbook; stop_simulator; cleanup_tmp' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  start_simulator "$work" url || return
  log "demo: simulator listening on $url"
  # In the background and waited for, so that a signal is handled at once (the EXIT trap stops both).
  (
    cd "$ROOT" &&
    exec env ANSIBLE_COLLECTIONS_PATH="$tree" ANSIBLE_STDOUT_CALLBACK=ansible.builtin.default \
      ALIBABA_CLOUD_ACCESS_KEY_ID=LTAI5tEfloSimulatorDemo \
      ALIBABA_CLOUD_ACCESS_KEY_SECRET=EfloSimulatorDemoSecret0000000000000 \
      ALIBABA_CLOUD_REGION_ID=cn-wulanchabu EFLO_SIMULATOR_URL="$url" \
      ansible-playbook -i "localhost," -c local -e "ansible_python_interpreter=$PY" \
        -e "eflo_endpoint=$url" -e "eflo_region=cn-wulanchabu" "$playbook" "$@"
  ) </dev/null &
  PLAY_PID=$!
  wait "$PLAY_PID" || rc=$?
  PLAY_PID=
  stop_simulator
  return "$rc"
}

cmd_build() {  # the collection builds (build_ignore applied) and installs
  local out
  new_tmp out || return
  (cd "$ROOT" && ansible-galaxy collection build --output-path "$out/dist" .) || return
  ansible-galaxy collection install --offline -p "$out/installed" "$out"/dist/alibabacloud-eflo-*.tar.gz || return
  tar -tzf "$out"/dist/alibabacloud-eflo-*.tar.gz | sed -n '1,200s/^/  /p' >&2  # sed reads to the end: no SIGPIPE for tar
}

# ------------------------------------------------------- release steps: galaxy, docs, ee, matrix

# Separate pinned venvs, so that none of these tools can change what .venv (the one the tests use) resolves.
IMPORTER_VENV=$ROOT/.venv-importer
DOCS_VENV=$ROOT/.venv-docs
CORE216_VENV=$ROOT/.venv-core216
CORE221_VENV=$ROOT/.venv-core221
RULEBOOK_VENV=${EFLO_RULEBOOK_VENV:-$ROOT/.venv-rulebook}
COLLECTION=alibabacloud.eflo

aux_venv() {  # aux_venv DIR PYTHON REQUIREMENTS...: create or update a separate venv from pinned requirement files
  local dir=$1 python=$2 stamp key f args=()
  shift 2
  stamp=$dir/.eflo-requirements.sha256
  if [ ! -x "$dir/bin/python" ]; then
    log "venv: creating $dir ($("$python" --version 2>&1))"
    "$python" -m venv "$dir" || return
    rm -f "$stamp"
  fi
  key=$({ "$dir/bin/python" -c 'import sys; print(sys.version)'; for f in "$@"; do printf '%s ' "$f"; sha256sum < "$f"; done; } \
    | sha256sum | cut -d' ' -f1) || return
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$key" ]; then
    return 0
  fi
  for f in "$@"; do args+=(-r "$f"); done
  log "venv: installing ${args[*]} into $dir"
  "$dir/bin/python" -m pip install -q --upgrade pip 2>&1 | grep -v "is ignored: it is neither"
  "$dir/bin/python" -m pip install -q "${args[@]}" 2>&1 | grep -v "is ignored: it is neither"
  [ "${PIPESTATUS[0]}" -eq 0 ] || return 1
  printf '%s\n' "$key" > "$stamp"
}

rulebook_venv() {  # .venv-rulebook for tests/integration/test_event_source.py; ansible-rulebook needs Java 17
  if ! command -v java >/dev/null 2>&1; then
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
      log "venv: no java and no apt-get as root: install Java 17 to run the ansible-rulebook test (skipped without it)"
      return 0
    fi
    log "venv: installing Java 17 (openjdk-17-jre-headless) for ansible-rulebook"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless; } \
      >/dev/null || return
  fi
  aux_venv "$RULEBOOK_VENV" "${PYTHON:-python3}" "$ROOT/requirements.txt" "$ROOT/tools/requirements-rulebook.txt"
}

find_python() {  # find_python X.Y VAR: a working pythonX.Y (pyenv's newest X.Y.*, then PATH), stored in VAR
  local want=$1 cand root cands=()
  root=$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")
  for cand in "$root"/versions/"$want".*/bin/python"$want"; do
    [ -x "$cand" ] && cands+=("$cand")
  done
  mapfile -t cands < <(printf '%s\n' "${cands[@]+"${cands[@]}"}" | sort -V -r)
  for cand in "${cands[@]+"${cands[@]}"}" "$(command -v "python$want")"; do
    # pyenv shims of versions that are not selected exist but exit 127: try each candidate
    if [ -n "$cand" ] && "$cand" -c 'import sys' 2>/dev/null; then
      printf -v "$2" '%s' "$cand"
      return 0
    fi
  done
  log "no working python$want found (pyenv versions or PATH)"
  return 1
}

galaxy_version() {  # the version in galaxy.yml
  "$PY" -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["version"])' "$ROOT/galaxy.yml"
}

build_tarball() {  # build_tarball DIR VAR: ansible-galaxy collection build into DIR, store the tarball's path in VAR
  local version
  version=$(galaxy_version) || return
  (cd "$ROOT" && ansible-galaxy collection build --force --output-path "$1" . >/dev/null) || return
  printf -v "$2" '%s' "$1/alibabacloud-eflo-$version.tar.gz"
  [ -f "${!2}" ] || { log "build: no ${!2}"; return 1; }
}

cmd_galaxy() {  # build, install from the tarball, check what it holds, pip-install its simulator, galaxy-importer
  local out tarball rc=0
  aux_venv "$IMPORTER_VENV" "${PYTHON:-python3}" "$ROOT/tools/requirements-importer.txt" || return
  new_tmp out || return
  build_tarball "$out/dist" tarball || return
  ansible-galaxy collection install --offline -p "$out/installed" "$tarball" >/dev/null || return
  "$PY" "$ROOT/tools/release_checks.py" tarball "$tarball" || rc=1
  # The simulator ships in the tarball for offline testing: it must install from the installed collection.
  "$PY" -m venv "$out/simvenv" && "$out/simvenv/bin/python" -m pip install -q --no-deps \
    "$out/installed/ansible_collections/alibabacloud/eflo/simulator" 2>&1 | grep -v "is ignored: it is neither"
  if [ "${PIPESTATUS[0]}" -ne 0 ] || ! "$out/simvenv/bin/eflo-simulator" --help >/dev/null; then
    log "galaxy: the simulator does not install from the installed collection"
    rc=1
  fi
  printf '[galaxy-importer]\nRUN_ANSIBLE_TEST = False\nRUN_ANSIBLE_LINT = True\n' > "$out/galaxy-importer.cfg"
  (
    cd "$out" &&
    GALAXY_IMPORTER_CONFIG="$out/galaxy-importer.cfg" PATH="$IMPORTER_VENV/bin:$PATH" \
      "$IMPORTER_VENV/bin/python" -m galaxy_importer.main "$tarball"
  ) || { log "galaxy: galaxy-importer failed"; rc=1; }
  "$PY" "$ROOT/tools/release_checks.py" importer "$out/importer_result.json" || rc=1
  return "$rc"
}

cmd_docs() {  # antsibull-docs lint, the Sphinx docsite (offline), generated pages, changelog renders
  local site copy rc=0 tools
  aux_venv "$DOCS_VENV" "${PYTHON:-python3}" "$ROOT/tools/requirements-docs.txt" || return
  # Everything runs in a copy whose generated pages (tools/docsite_md.py) are made from the Markdown as it is now,
  # so that an edit of a README never breaks the step; the committed pages are checked, but only
  # EFLO_DOCS_STRICT=1 makes stale ones an error.
  stage copy || return
  tools=(env "ANSIBLE_COLLECTIONS_PATH=${copy%/ansible_collections/*}" "PATH=$DOCS_VENV/bin:$PATH")
  log "docs: generated pages (tools/docsite_md.py)"
  if ! "$DOCS_VENV/bin/python" "$ROOT/tools/docsite_md.py" --check; then
    if [ -n "${EFLO_DOCS_STRICT:-}" ]; then rc=1; else log "docs: WARNING: the committed generated pages are stale (see above)"; fi
  fi
  "$DOCS_VENV/bin/python" "$copy/tools/docsite_md.py" >/dev/null || rc=1
  log "docs: antsibull-docs lint-collection-docs --plugin-docs"
  (cd "$copy" && "${tools[@]}" antsibull-docs lint-collection-docs --plugin-docs --check-extra-docs-refs .) || rc=1
  # The docsite: antsibull-docs sphinx-init, then its build.sh; offline, intersphinx cannot fetch inventories (so
  # references to ansible-core's pages, such as the inventory cache's environment variables, stay unresolved).
  site=${EFLO_DOCS_OUT:-}
  if [ -z "$site" ]; then new_tmp site || return; fi
  rm -rf "$site" && mkdir -p "$site" || return
  log "docs: building the docsite in $site"
  (
    cd "$site" &&
    "${tools[@]}" antsibull-docs sphinx-init --use-current --squash-hierarchy --fail-on-error --dest-dir "$site" "$COLLECTION" >/dev/null &&
    printf '\n# offline build (tools/dev.sh docs)\nintersphinx_mapping = {}\nsuppress_warnings = ["ref.ref", "ref.envvar"]\n' >> conf.py &&
    "${tools[@]}" ./build.sh
  ) || { log "docs: the docsite build failed"; rc=1; }
  "$PY" "$ROOT/tools/release_checks.py" docsite "$site/build/html" || rc=1
  # The changelog (last: a release consumes the fragments of the copy): lint, release, render CHANGELOG.md.
  log "docs: antsibull-changelog lint, release and generate --output-format md (in the copy)"
  (
    cd "$copy" &&
    "${tools[@]}" antsibull-changelog lint &&
    "${tools[@]}" antsibull-changelog release --version "$(galaxy_version)" --date 2000-01-01 &&
    "${tools[@]}" antsibull-changelog generate --output-format md --output CHANGELOG.md
  ) || { log "docs: the changelog does not render"; rc=1; }
  "$PY" "$ROOT/tools/release_checks.py" changelog "$copy/CHANGELOG.md" "$ROOT/changelogs/fragments" || rc=1
  if [ -n "${EFLO_DOCS_OUT:-}" ]; then cp "$copy/CHANGELOG.md" "$site/CHANGELOG.md"; fi
  return "$rc"
}

cmd_ee() {  # ansible-builder create for execution-environment.yml; the build context names every dependency
  local work tarball
  aux_venv "$IMPORTER_VENV" "${PYTHON:-python3}" "$ROOT/tools/requirements-importer.txt" || return
  new_tmp work || return
  # The EE file's paths are relative to it: lay it out with its inputs and the tarball it installs.
  cp "$ROOT/execution-environment.yml" "$ROOT/requirements.txt" "$ROOT/bindep.txt" "$work/" || return
  build_tarball "$work/dist" tarball || return
  (cd "$work" && "$IMPORTER_VENV/bin/ansible-builder" create -f execution-environment.yml -c context -v 2) || return
  ansible-galaxy collection install --offline -p "$work/installed" "$tarball" >/dev/null || return
  "$IMPORTER_VENV/bin/ansible-builder" introspect --sanitize "$work/installed" > "$work/introspect.yml" 2>/dev/null || return
  "$PY" "$ROOT/tools/release_checks.py" ee "$work/context" "$work/introspect.yml" "$(galaxy_version)"
}

matrix_one() {  # matrix_one VENV PYTHON_X.Y REQUIREMENTS [ansible-test sanity args...]: sanity + units on another core
  local venv=$1 pyver=$2 req=$3 python copy rc=0 tools
  shift 3
  find_python "$pyver" python || return
  aux_venv "$venv" "$python" "$req" || return
  install_pip_shim "$venv/bin/python" || return
  stage copy || return
  log "matrix: $("$venv/bin/ansible" --version | sed -n 1p) on Python $pyver"
  # The venv's bin first: its ansible-test, and its python$pyver for --python.
  tools=(env "PATH=$venv/bin:$PATH")
  (cd "$copy" && "${tools[@]}" ansible-test sanity --local --python "$pyver" --color no "$@") || rc=1
  (cd "$copy" && "${tools[@]}" ansible-test units --local --python "$pyver" --requirements --color no) || rc=1
  return "$rc"
}

cmd_matrix() {  # sanity and units on the oldest supported ansible-core (2.16, Py3.11) and the newest here (2.21, Py3.12)
  local rc=0 sanity_args
  # pylint and pep8 (style, and the slowest tests: about 4 of the 6 minutes here) run on the main line only (`sanity`);
  # every other sanity test runs on both. EFLO_MATRIX_SANITY replaces these arguments ("" runs every test).
  read -ra sanity_args <<< "${EFLO_MATRIX_SANITY---skip-test pylint --skip-test pep8}"
  matrix_one "$CORE216_VENV" 3.11 "$ROOT/tools/requirements-core216.txt" "${sanity_args[@]+"${sanity_args[@]}"}" || rc=1
  matrix_one "$CORE221_VENV" 3.12 "$ROOT/tools/requirements-core221.txt" "${sanity_args[@]+"${sanity_args[@]}"}" || rc=1
  return "$rc"
}

# ------------------------------------------------------------------------------------- test and CI

cmd_test() {
  local steps step start rc secs passed=0 failed=0 summary=() begin=$SECONDS broken=
  read -ra steps <<< "${EFLO_TEST_STEPS:-venv sanity units integration lint build galaxy docs ee matrix}"
  for step in "${steps[@]}"; do
    log ""
    log "==> $step"
    start=$SECONDS
    rc=0
    if [ -n "$broken" ]; then
      log "$step: not run, the venv could not be installed"
      rc=1
    else
      "cmd_${step//-/_}" || rc=$?
      [ "$step" = venv ] && [ "$rc" -ne 0 ] && broken=1
    fi
    secs=$((SECONDS - start))
    if [ "$rc" -eq 0 ]; then
      passed=$((passed + 1))
      summary+=("$(printf '  %-12s PASS  %4ss' "$step" "$secs")")
    else
      failed=$((failed + 1))
      summary+=("$(printf '  %-12s FAIL  %4ss  (exit %s)' "$step" "$secs" "$rc")")
    fi
  done
  log ""
  log "steps (total $((SECONDS - begin))s):"
  printf '%s\n' "${summary[@]}" >&2
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}

cmd_clean() {
  # Git-ignored artefacts of the tools only; .venv stays (distclean removes it too).
  (
    cd "$ROOT" || exit
    rm -rf -- tests/output tests/integration/inventory .pytest_cache .hypothesis .ansible collections build dist
    rm -f -- ./*.tar.gz
    find . \( -path ./.git -o -path "./${VENV#"$ROOT"/}" \) -prune -o -name __pycache__ -type d -print0 \
      | xargs -0 --no-run-if-empty rm -rf
  )
}

cmd_distclean() {
  cmd_clean
  rm -rf -- "$VENV" "$IMPORTER_VENV" "$DOCS_VENV" "$CORE216_VENV" "$CORE221_VENV" "$RULEBOOK_VENV"
}

main() {
  local cmd=${1:-}
  if [ -z "$cmd" ] || [ "$cmd" = help ]; then
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"
    [ -n "$cmd" ]
    return
  fi
  shift
  case $cmd in
    venv|test|clean|distclean) ;;
    integration|test-long)  # the event source test also needs .venv-rulebook (ansible-rulebook, Java 17)
      cmd_venv || { log "venv: installation failed"; return 1; } ;;
    sanity|units|lint|build|galaxy|docs|ee|matrix|demo|bench)
      main_venv || { log "venv: installation failed"; return 1; } ;;
    *) log "unknown command: $cmd"; return 2 ;;
  esac
  "cmd_${cmd//-/_}" "$@"
}

main "$@"
