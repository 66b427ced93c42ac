#!/usr/bin/env bash
# Builds build/lambda, the code of template.yaml's ThumbnailFunction: the graph, resolvers and
# services packages and their runtime dependencies as manylinux wheels for Lambda's python3.12
# on x86_64 (Amazon Linux 2023, glibc 2.34: manylinux_2_28 wheels such as pillow-heif's load).
#
# moto (the embedded local stack, never used on AWS) is left out: with it the directory is
# about 360 MiB, over Lambda's 250 MiB unzipped limit; without it, about 150 MiB.
set -euo pipefail

cd "$(dirname "$0")/.."
python="${PYTHON:-python3}"
out=build/lambda
requirements=build/lambda-requirements.txt

rm -rf "$out"
mkdir -p "$out"

"$python" - "$requirements" <<'EOF'
import sys
import tomllib

with open("pyproject.toml", "rb") as f:
    deps = tomllib.load(f)["project"]["dependencies"]
with open(sys.argv[1], "w") as f:
    f.write("\n".join(d for d in deps if not d.lower().startswith("moto")) + "\n")
EOF

"$python" -m pip install --quiet --target "$out" \
    --platform manylinux2014_x86_64 --platform manylinux_2_28_x86_64 \
    --implementation cp --python-version 3.12 \
    --only-binary=:all: -r "$requirements"
rm -rf "$out/bin"  # console scripts with this machine's interpreter path: of no use in Lambda
"$python" -m pip install --quiet --target "$out" --no-deps .
rm -rf "$out/bin"

size=$(du -sm "$out" | cut -f1)
echo "$out: ${size} MiB unzipped (Lambda allows 250)"
if [ "$size" -ge 250 ]; then
    echo "too large for a zip Lambda" >&2
    exit 1
fi
