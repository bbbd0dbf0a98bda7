// The preview shows what is wrong (preview_banner.py): each warning of the last
// rebuild on the page it concerns, with its fix, and a count on every page.
"use strict";

(function () {
  const root = new URL(document.documentElement.dataset.content_root || "./", location.href);
  const here = location.pathname.slice(root.pathname.length) || "index.html";
  const article = document.querySelector("article");
  if (!article) return;

  fetch(new URL("_static/anchor-warnings.json", root), { cache: "no-store" })
    .then((response) => (response.ok ? response.json() : []))
    .then((warnings) => {
      if (!warnings.length) return;
      const banner = document.createElement("div");
      banner.className = "anchor-preview-warnings";
      banner.setAttribute("role", "alert");
      const mine = warnings.filter((warning) => warning.page === here);
      const title = document.createElement("p");
      const strong = document.createElement("strong");
      strong.textContent =
        `${warnings.length} warning${warnings.length === 1 ? "" : "s"} in the last rebuild` +
        (mine.length ? `, ${mine.length} on this page:` : ", none on this page.");
      title.append(strong);
      banner.append(title);
      if (mine.length) {
        const list = document.createElement("ul");
        for (const warning of mine) {
          const item = document.createElement("li");
          const where = document.createElement("code");
          where.textContent = warning.where;
          item.append(where, ` ${warning.message}.`);
          if (warning.fix) {
            const fix = document.createElement("span");
            fix.className = "anchor-preview-fix";
            fix.textContent = ` Fix: ${warning.fix}`;
            item.append(fix);
          }
          list.append(item);
        }
        banner.append(list);
      } else {
        const pages = [...new Set(warnings.map((warning) => warning.page).filter(Boolean))];
        if (pages.length) {
          const list = document.createElement("p");
          list.append("On: ");
          pages.forEach((page, index) => {
            const link = document.createElement("a");
            link.href = new URL(page, root).href;
            link.textContent = page;
            list.append(index ? ", " : "", link);
          });
          banner.append(list);
        }
      }
      // above the page's content, below furo's buttons (the theme toggle stays free)
      const content = article.querySelector(":scope > section");
      if (content) content.before(banner);
      else article.prepend(banner);
    })
    .catch(() => {});
})();
