"""The Prefect runner behind `zh2en serve`, run as a child process so the command can always
stop it: Prefect's graceful shutdown may wait on in-flight runs, and the parent then ends the
child's whole process group after a grace period."""

from __future__ import annotations

import json
import sys
import warnings

import flows  # noqa: F401  (Prefect settings first)
from prefect.task_runners import ThreadPoolTaskRunner
from flows.translate_flows import translate_flow
from pipeline.settings import Settings


# Prefect's runner, stopped by a signal, calls its async stop without awaiting it: Python then
# prints a RuntimeWarning and a tracemalloc hint under the user's "zh2en: stopped". The runner
# stops all the same (the parent ends its process group), so the warning says nothing to a user.
warnings.filterwarnings("ignore", message="coroutine 'Runner.astop' was never awaited", category=RuntimeWarning)


def main(spec: str) -> None:
    args = json.loads(spec)
    settings = Settings.model_validate(args["settings"])
    # as many segment tasks in flight as the run's slots (--slots / ZH2EN_SLOTS), as for translate
    flow = translate_flow.with_options(task_runner=ThreadPoolTaskRunner(max_workers=settings.slots))
    flow.serve(
        name="zh2en-inbox", cron=args.get("cron"), interval=args.get("interval"), print_starting_message=False,
        parameters={"paths": [args["inbox"]], "out_dir": args["out"], "settings": settings,
                    "only_changed": True, "site_dir": args.get("site")})


if __name__ == "__main__":
    main(sys.argv[1])
