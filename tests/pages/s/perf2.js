ran.push("perf2"); document.cookie = "_pk_id.1=1; path=/";
