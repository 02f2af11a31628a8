"""The one YAML loader for shipped catalogs and user files.

Safe, because catalogs and user files (``--orgs``) are data and never objects to
construct; PyYAML's C loader when the installed wheel has it, because the licence,
base and organisation catalogs are read at the start of many commands.
"""

from __future__ import annotations

import yaml

SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
