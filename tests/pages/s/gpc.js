// A browser sending Global Privacy Control (as Brave or Firefox with the setting on).
Object.defineProperty(Navigator.prototype, "globalPrivacyControl", { get: function () { return true; }, configurable: true });
