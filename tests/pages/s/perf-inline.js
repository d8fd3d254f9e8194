ran.push("perf-inline");
