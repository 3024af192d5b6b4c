#!/usr/bin/env sh
# Rebuilds LoopbackDynamoDbLocal.class (committed, so a Java runtime without javac is enough).
set -eu
cd "$(dirname "$0")"
javac --release 11 -Xlint:all -d . LoopbackDynamoDbLocal.java
