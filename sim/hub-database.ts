/**
 * The hub's users as JupyterHub itself stores them: its own ORM (jupyterhub.orm, the version the
 * hub image runs, from .work/venv) on a database URL. Creates the hub's schema on a new database
 * the way the hub does at start.
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { PROJECT_ROOT } from "./cluster";
import { ensureVenv } from "./python-env";

const PYTHON = path.join(PROJECT_ROOT, ".work", "venv", "bin", "python");

const SCRIPT = `
import sys
from jupyterhub import orm
db = orm.new_session_factory(sys.argv[1])()
for name in sys.argv[2:]:
    if orm.User.find(db, name) is None:
        db.add(orm.User(name=name))
db.commit()
print("\\n".join(sorted(user.name for user in db.query(orm.User))))
`;

/** Adds `add` (when missing) and returns every user the hub's database knows. */
export function hubDatabaseUsers(url: string, add: readonly string[] = []): string[] {
  ensureVenv();
  const result = spawnSync(PYTHON, ["-c", SCRIPT, url, ...add], { encoding: "utf8" });
  if (result.status !== 0)
    throw new Error(`JupyterHub's ORM on the database failed: ${result.stderr.trim().split("\n").pop()}`);
  return result.stdout.trim().split("\n").filter(Boolean);
}
