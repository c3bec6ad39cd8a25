import { defineBootTests } from "./linuxBootCases.js";

defineBootTests("pv");
