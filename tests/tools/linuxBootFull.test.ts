// Full mode needs Debian's OpenSBI (package opensbi), which .ci/run installs.
import { defineBootTests } from "../guest/linuxBootCases.js";

defineBootTests("full");
