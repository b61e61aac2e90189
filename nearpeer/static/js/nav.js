// The main menu is a <details> that folds on phones. From 48rem it is always open, even in
// browsers without ::details-content (the CSS does it where that is supported).
(() => {
  const menu = document.querySelector("details.nav-menu");
  if (!menu) return;
  const wide = window.matchMedia("(min-width: 48rem)");
  const follow = () => { menu.open = wide.matches; };
  follow();
  wide.addEventListener("change", follow);
})();
