/** The golden copy (`test/golden/<stack>/`, the reviewed render) as committed at a git ref. */
import path from "node:path";
import { copyFromRef, gitPath, RefError, refWorkspace, resolveRef } from "../cli/git-ref";
import { readRenderedDir } from "./directory";

/** The golden copy of `stack` as committed at `ref`. */
export function goldenAtRef(projectRoot: string, ref: string, stack: string): Map<string, string> {
  const resolved = resolveRef(projectRoot, ref);
  const golden = gitPath(resolved, path.join(projectRoot, "test", "golden", stack));
  const workspace = refWorkspace();
  try {
    if (copyFromRef(resolved, golden, workspace.dir) === 0) {
      throw new RefError(`${ref} has no golden copy ${golden}/ (was the stack rendered there?)`);
    }
    return readRenderedDir(path.join(workspace.dir, ...golden.split("/")));
  } finally {
    workspace.dispose();
  }
}
