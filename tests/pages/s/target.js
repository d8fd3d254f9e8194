ran.push("target");
