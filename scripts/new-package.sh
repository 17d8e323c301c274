#!/usr/bin/env bash
# Prints nothing; creates the standard files of a new package: scripts/new-package.sh <dir> "<description>"
set -euo pipefail
dir="packages/$1"
mkdir -p "$dir/src" "$dir/test"
cat > "$dir/tsconfig.json" <<'JSON'
{ "extends": "../../tsconfig.base.json", "include": ["src", "test"] }
JSON
cat > "$dir/tsdown.config.ts" <<'TS'
import { defineConfig } from "tsdown";
import { baseConfig } from "../../tsdown.base.ts";

export default defineConfig(baseConfig);
TS
cat > "$dir/vitest.config.ts" <<'TS'
import { defineConfig, mergeConfig } from "vitest/config";
import { sharedConfig } from "../../vitest.shared.ts";

export default mergeConfig(sharedConfig, defineConfig({}));
TS
