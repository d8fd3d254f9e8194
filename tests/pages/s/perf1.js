ran.push("perf1"); document.cookie = "WT_fpc=1; path=/";
