#!/usr/bin/env bash
# The merge check of a CI job: `pulumi preview` of one stack with the diff and the policy pack.
#
#   examples/ci/preview.sh STACK [POLICY_CONFIG]      (run in the project's folder)
#
# Exit status, which the job acts on: 0 when the preview succeeds and no mandatory policy is violated
# (advisory ones are printed as warnings); non-zero when a mandatory policy is violated or the preview
# fails, so the merge is blocked. The full output, diff and policy report, is also in preview.log for the
# job to attach to the pull request.
#
# PYTHON is the Python with ionos-postgres-pulumi installed (default: python3); the Pulumi CLI, its
# backend (PULUMI_BACKEND_URL or `pulumi login`), PULUMI_CONFIG_PASSPHRASE where needed, and IONOS_TOKEN
# (which the pack uses to ask which PostgreSQL versions are deprecated) come from the job's environment.
set -uo pipefail

stack=${1:?usage: preview.sh STACK [POLICY_CONFIG]}
policy_config=${2:-$(dirname "$0")/policy-config.json}
python=${PYTHON:-python3}

pack=$("$python" -m ionos_postgres_pulumi.policy) || {
  echo "preview.sh: cannot write the policy pack's folder with $python" >&2
  exit 2
}

pulumi preview --stack "$stack" --diff --non-interactive --color never \
  --policy-pack "$pack" --policy-pack-config "$policy_config" 2>&1 | tee preview.log
status=${PIPESTATUS[0]}

if [ "$status" -eq 0 ]; then
  echo "preview.sh: the change may be merged (warnings above are advisory)"
else
  echo "preview.sh: blocked: a mandatory policy is violated or the preview failed (exit $status)" >&2
fi
exit "$status"
