ran.push("func"); document.cookie = "User ID=ama; path=/";
