// What the phone records, kept in IndexedDB until the service has it: a queue of items (walks,
// check-ins, cases, photos, handled steps), each with the phone's own id (client_id, a UUID) so
// that sending one twice keeps it once; the walk being recorded (saved at every fix, so a reload
// loses nothing); and which case each reported case became on the service.
window.fieldQueue = (function () {
  const NAME = "gridmap-field";
  let opened = null;

  function open() {
    if (!opened) {
      opened = new Promise((resolve, reject) => {
        const req = indexedDB.open(NAME, 1);
        req.onupgradeneeded = () => {
          const db = req.result;
          db.createObjectStore("queue", { keyPath: "seq", autoIncrement: true });
          db.createObjectStore("walk", { keyPath: "id" });
          db.createObjectStore("cases", { keyPath: "client_id" });
        };
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
    }
    return opened;
  }

  async function tx(store, mode, work) {
    const db = await open();
    return new Promise((resolve, reject) => {
      const t = db.transaction(store, mode);
      const s = t.objectStore(store);
      let result;
      Promise.resolve(work(s)).then((r) => { result = r; });
      t.oncomplete = () => resolve(result);
      t.onerror = () => reject(t.error);
      t.onabort = () => reject(t.error);
    });
  }

  function req(r) {
    return new Promise((resolve, reject) => { r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error); });
  }

  function uuid() {
    if (crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  return {
    uuid,
    // Queue an item: {type, client_id, ...}; it waits until the service answers for it.
    add: (item) => tx("queue", "readwrite", (s) => req(s.add({ status: "waiting", reason: null, queued_at: new Date().toISOString(), ...item }))),
    all: () => tx("queue", "readonly", (s) => req(s.getAll())),
    update: (item) => tx("queue", "readwrite", (s) => req(s.put(item))),
    remove: (seq) => tx("queue", "readwrite", (s) => req(s.delete(seq))),
    // The walk being recorded (one at a time).
    walk: () => tx("walk", "readonly", (s) => req(s.get("current"))),
    saveWalk: (w) => tx("walk", "readwrite", (s) => req(s.put({ ...w, id: "current" }))),
    endWalk: () => tx("walk", "readwrite", (s) => req(s.delete("current"))),
    // Reported cases: the phone's client_id → the service's case id (for their photos).
    caseId: (clientId) => tx("cases", "readonly", (s) => req(s.get(clientId))).then((r) => (r ? r.id : null)),
    setCaseId: (clientId, id) => tx("cases", "readwrite", (s) => req(s.put({ client_id: clientId, id }))),
  };
})();
