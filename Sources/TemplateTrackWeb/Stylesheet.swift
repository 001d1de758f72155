/// The site's one stylesheet: system fonts only (no web fonts), no external reference. Colours
/// are chosen for contrast of at least 4.5:1 against their backgrounds (WCAG AA); changes are
/// marked by words and signs too, never by colour alone.
enum Stylesheet {
    static let css = """
        :root {
          --text: #1b1b1b; --subtle: #4a4a4a; --page: #ffffff; --line: #c7c7c7; --head: #f1f3f4;
          --link: #0b57d0; --visited: #6a1b9a;
          --added-bg: #e6f4ea; --added: #0d5224; --removed-bg: #fce8e6; --removed: #8c1d18;
          --changed-bg: #fef7e0; --changed: #5c4400; --bad: #8c1d18;
        }
        * { box-sizing: border-box; }
        html { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; font-size: 16px; line-height: 1.5; color: var(--text); background: var(--page); }
        body { margin: 0; }
        main { max-width: 1200px; margin: 0 auto; padding: 0 1.25rem 3rem; }
        a { color: var(--link); }
        a:visited { color: var(--visited); }
        a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, summary:focus-visible { outline: 3px solid #e37400; outline-offset: 2px; }
        .skip { position: absolute; left: -10000px; }
        .skip:focus { left: 1rem; top: 1rem; background: var(--page); padding: .5rem; z-index: 1; }
        .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
        header.site { background: #202124; color: #ffffff; }
        header.site nav { max-width: 1200px; margin: 0 auto; padding: .6rem 1.25rem; display: flex; gap: 1.5rem; align-items: center; flex-wrap: wrap; }
        header.site a.brand, header.site a.brand:visited { color: #ffffff; font-weight: 700; text-decoration: none; font-size: 1.1rem; }
        header.site form { display: flex; gap: .5rem; align-items: center; margin-left: auto; }
        header.site label { color: #ffffff; }
        footer.site { max-width: 1200px; margin: 0 auto; padding: 1rem 1.25rem 2rem; color: var(--subtle); border-top: 1px solid var(--line); font-size: .9rem; }
        h1 { font-size: 1.75rem; margin: 1.25rem 0 .75rem; }
        h2 { font-size: 1.35rem; margin: 2rem 0 .75rem; border-bottom: 1px solid var(--line); padding-bottom: .25rem; }
        h3 { font-size: 1.1rem; margin: 1.25rem 0 .5rem; }
        h4 { font-size: 1rem; margin: .5rem 0; }
        .subtle, .meta, .crumbs { color: var(--subtle); }
        .note { color: var(--subtle); }
        .bad { color: var(--bad); }
        table { border-collapse: collapse; margin: .5rem 0 1.25rem; width: 100%; font-size: .95rem; }
        caption { text-align: left; font-weight: 600; padding: .25rem 0; }
        th, td { border: 1px solid var(--line); padding: .3rem .5rem; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
        thead th { background: var(--head); }
        tbody th { font-weight: 600; }
        .num { text-align: right; font-variant-numeric: tabular-nums; }
        code { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: .9em; }
        .tag { white-space: nowrap; display: inline-block; background: var(--bad); color: #ffffff; border-radius: 3px; padding: 0 .4rem; font-size: .85rem; font-weight: 600; }
        ul.breaking { padding-left: 1.25rem; }
        ul.breaking li { margin: .2rem 0; }
        .breaking-group { border-left: 4px solid var(--bad); padding-left: .75rem; margin: 1rem 0; }
        .breaking-group h3 { margin-top: .25rem; }
        tr.added, td.status.added { background: var(--added-bg); color: var(--added); }
        tr.removed, td.status.removed { background: var(--removed-bg); color: var(--removed); }
        tr.changed, tr.moved, td.status.modified, td.status.renamed { background: var(--changed-bg); color: var(--changed); }
        table.snapshots tr.changed { background: transparent; color: var(--text); }
        table.diff { font-size: .85rem; }
        table.diff td { border-top: none; border-bottom: none; padding: 0 .4rem; }
        table.diff td code { white-space: pre-wrap; word-break: break-all; }
        table.diff tr.context td { color: var(--text); }
        table.diff .marker { width: 1.5rem; text-align: center; font-weight: 700; }
        table.diff tr.hunk th { background: var(--head); font-weight: 400; color: var(--subtle); }
        .side-by-side { display: grid; grid-template-columns: 1fr 1fr; gap: 1.5rem; }
        ul.gained li::marker { content: "+ "; color: var(--added); }
        ul.lost li::marker { content: "− "; color: var(--removed); }
        ul.gained, ul.lost { padding-left: 1.25rem; }
        dl.pair, dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
        dl dt { font-weight: 600; }
        dl dd { margin: 0; }
        nav.toc ul { display: flex; gap: 1rem; flex-wrap: wrap; list-style: none; padding: 0; }
        figure.chart { margin: .5rem 0; overflow-x: auto; }
        figure.chart figcaption { color: var(--subtle); font-size: .9rem; }
        svg text { fill: var(--text); font-size: 12px; font-family: inherit; }
        svg text.version { font-weight: 600; }
        svg line.axis { stroke: #5f6368; stroke-width: 2; }
        svg circle { stroke-width: 2; }
        svg circle.first { fill: #5f6368; stroke: #3c4043; }
        svg circle.same { fill: #ffffff; stroke: #5f6368; }
        svg circle.changed { fill: var(--link); stroke: #083a8c; }
        svg circle.breaking { fill: var(--bad); stroke: #5c120f; }
        svg rect { fill: var(--link); }
        ul.legend { list-style: none; padding: 0; display: flex; gap: 1.25rem; flex-wrap: wrap; font-size: .9rem; }
        .swatch { display: inline-block; width: .9rem; height: .9rem; border-radius: 50%; border: 2px solid #5f6368; vertical-align: middle; }
        .swatch.first { background: #5f6368; }
        .swatch.same { background: #ffffff; }
        .swatch.changed { background: var(--link); border-color: #083a8c; }
        .swatch.breaking { background: var(--bad); border-color: #5c120f; }
        form.compare fieldset { border: 1px solid var(--line); display: flex; gap: .5rem; align-items: center; flex-wrap: wrap; margin: .5rem 0 1rem; }
        details.templates summary { cursor: pointer; font-weight: 600; margin: .5rem 0; }
        mark { background: #fde293; color: var(--text); }
        p.description { max-width: 60rem; }
        @media (max-width: 700px) { .side-by-side { grid-template-columns: 1fr; } }

        """
}
