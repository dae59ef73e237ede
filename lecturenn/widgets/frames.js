// The live explorer's picture (see frames.py): it shows the frame of the sliders'
// position. Frames the kernel sends ahead (the settings near the current one)
// are kept here, so a move to one of them is shown at once, in the page, without
// waiting for the kernel.

const REF = "IPY_MODEL_";

function render({ model, el }) {
  const img = document.createElement("img");
  img.className = "lnx-frame";
  img.style.cssText = "display:block;width:100%;height:auto";
  el.appendChild(img);

  // key "i,j" -> {url, alt, image}, least recently used first. Each frame is decoded as soon
  // as it arrives (image), so showing it later is a swap of an already decoded picture.
  const frames = new Map();
  let sliders = [];
  let shown = null;           // key of the frame on screen
  let shownUrl = null;        // its object URL (kept while on screen, even if dropped)

  function release(url) {
    if (url && url !== shownUrl && ![...frames.values()].some((f) => f.url === url)) {
      URL.revokeObjectURL(url);
    }
  }

  function show(key, frame) {
    const old = shownUrl;
    img.src = shownUrl = frame.url;
    img.alt = frame.alt;
    shown = key;
    release(old);
  }

  function keep(key, bytes, alt) {
    const old = frames.get(key);
    frames.delete(key);
    let frame = old;
    if (bytes !== null) {
      const url = URL.createObjectURL(new Blob([bytes], { type: "image/png" }));
      const image = new Image();
      image.src = url;
      image.decode().catch(() => {});
      frame = { url, alt, image };
    }
    frames.set(key, frame);
    if (old && old !== frame) release(old.url);
    while (frames.size > Math.max(1, model.get("cache_size"))) {
      const [oldest, dropped] = frames.entries().next().value;
      frames.delete(oldest);
      release(dropped.url);
      model.send({ dropped: oldest });   // the kernel sends it again when it is next needed
    }
    img.dataset.frames = [...frames.keys()].join(" ");   // which frames the page has
    return frame;
  }

  function position() {
    return sliders.map((s) => s.get("index")).join(",");
  }

  // The frame of the sliders' position, if this page has it; otherwise the last one stays.
  function paint() {
    const key = position();
    if (frames.has(key) && key !== shown) {
      show(key, keep(key, null));   // now the most recently used
    }
  }

  // The kernel's current frame (value, key and alt change together, in one message).
  function fromKernel() {
    const key = model.get("key");
    // a frame the page has already (frames are pure functions of the sliders) is not decoded again
    const frame = frames.has(key) ? keep(key, null) : keep(key, model.get("value"), model.get("alt"));
    if (sliders.length) paint();
    else if (key !== shown) show(key, frame);
  }

  // A frame sent ahead.
  function received(msg, buffers) {
    if (msg && msg.frame !== undefined && buffers && buffers.length) {
      keep(msg.frame, buffers[0], msg.alt || "");
      if (sliders.length) paint();
    }
  }

  fromKernel();
  model.on("change", fromKernel);
  model.on("msg:custom", received);

  let stopped = false;
  const ids = (model.get("sliders") || []).map((ref) => ref.slice(REF.length));
  Promise.all(ids.map((id) => model.widget_manager.get_model(id))).then((models) => {
    if (stopped) return;
    sliders = models;
    for (const s of sliders) s.on("change:index", paint);
    paint();
    model.send({ ready: true });   // the kernel starts sending frames ahead to this page
  });

  // Notebook 7 binds the arrow keys of a focused element (in command mode) to moving between
  // headings, so a focused slider would not move with the keyboard. Each slider handle of this
  // explorer opts out of the notebook's shortcuts when it gets the focus.
  let box = null;
  const freeArrowKeys = (event) => {
    if (event.target.classList && event.target.classList.contains("noUi-handle")) {
      event.target.setAttribute("data-lm-suppress-shortcuts", "true");
    }
  };
  (function findBox(tries) {
    if (stopped) return;
    box = el.closest(".lecturenn-explorer");
    if (box) box.addEventListener("focusin", freeArrowKeys);
    else if (tries > 0) requestAnimationFrame(() => findBox(tries - 1));
  })(600);

  return () => {
    stopped = true;
    if (box) box.removeEventListener("focusin", freeArrowKeys);
    for (const s of sliders) s.off("change:index", paint);
    for (const f of frames.values()) URL.revokeObjectURL(f.url);
    if (shownUrl) URL.revokeObjectURL(shownUrl);
  };
}

export default { render };
