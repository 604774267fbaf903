"""The hub's spawner class: KubeSpawner with the platform's two changes.

- A claim or pod create that lost a race for the ResourceQuota's usage record is tried again
  (QuotaSafeKubeSpawner, quota_safe_spawner.py).
- The spawn page's template is compiled once. KubeSpawner 7.0 builds a new jinja2 Environment and
  compiles form.html for every view of the spawn page: about 8 ms of the hub's one core each, so a
  class of 150 opening the page at once queues 1.2 s of compiling (`npm run bench:spawn-page`).
  Here the Environment is kept per template folder list; jinja2 still checks the file's time on
  each use (auto_reload), so a changed template is picked up. The output is KubeSpawner's own
  (test/hub/test_platform_spawner.py compares them); a `profile_form_template` string is left to
  KubeSpawner.
"""

from __future__ import annotations

from functools import lru_cache

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader
from quota_safe_spawner import QuotaSafeKubeSpawner


@lru_cache(maxsize=8)
def form_environment(paths: tuple[str, ...]) -> Environment:
    """KubeSpawner's loader and policy (its _render_options_form), made once."""
    env = Environment(loader=ChoiceLoader([FileSystemLoader(list(paths)), PackageLoader("kubespawner", "templates")]))
    env.policies["json.dumps_kwargs"] = {"sort_keys": False}  # profiles keep the stack's order
    return env


class PlatformSpawner(QuotaSafeKubeSpawner):
    def _render_options_form(self, profile_list):
        if self.profile_form_template != "":
            return super()._render_options_form(profile_list)
        profile_list = self._get_initialized_profile_list(profile_list)
        template = form_environment(tuple(self.additional_profile_form_template_paths)).get_template("form.html")
        return template.render(profile_list=profile_list)
