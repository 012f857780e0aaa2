"""Configuration read from the environment (console/env.py)."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRINT_SECRETS = "from console import env; print(env.SECRET_KEY, env.ENCRYPTION_KEYS[0])"


def test_processes_started_together_on_a_fresh_data_folder_share_one_generated_secret(tmp_path):
    # make run starts the SMS sandbox, migrate and the workers around the same moment; with no SECRET_KEY set they
    # all generate the secrets into the data folder, and none may crash or read a half-written or different one.
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "POSTERN_ENCRYPTION_KEY",
                                                             "POSTERN_PRODUCTION")}
    env["POSTERN_DATA_DIR"] = str(tmp_path / "data")
    starts = [subprocess.Popen([sys.executable, "-c", PRINT_SECRETS], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True) for _ in range(12)]
    results = [process.communicate(timeout=60) + (process.returncode,) for process in starts]
    assert [error for _out, error, code in results if code] == []
    printed = {out.strip() for out, _error, _code in results}
    assert len(printed) == 1 and len(printed.pop().split()) == 2
    assert sorted(path.name for path in (tmp_path / "data").iterdir()) == ["encryption_key", "secret_key"]
