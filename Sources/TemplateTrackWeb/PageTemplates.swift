// The pages' Mustache templates, compiled into the binary (a copied binary needs no files).
// Every value is written with `{{name}}`, which HTML-escapes it (& < > " '); no template uses
// `{{{…}}}` or `{{&…}}`, and a test checks that none does. The pages carry no script at all.

enum PageTemplates {
    /// Name -> template text.
    static let all: [String: String] = [
        "layout": layout, "overview": overview, "change": change, "template": template, "search": search,
        "snapshot": snapshot, "message": message, "timeline": timeline, "bars": bars,
    ]

    static let layout = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'">
        <meta name="referrer" content="no-referrer">
        <title>{{#page}}{{title}}{{/page}} · TemplateTrack</title>
        <link rel="stylesheet" href="{{#page}}{{root}}{{/page}}style.css">
        </head>
        <body>
        {{#page}}
        <a class="skip" href="#main">Skip to the content</a>
        <header class="site">
        <nav aria-label="Site">
        <a class="brand" href="{{root}}index.html">TemplateTrack</a>
        {{#served}}
        <form class="search" role="search" action="{{root}}search" method="get">
        <label for="site-search">Search the files</label>
        <input id="site-search" name="q" type="search">
        <button type="submit">Search</button>
        </form>
        {{/served}}
        </nav>
        </header>
        {{/page}}
        <main id="main">
        {{$main}}{{/main}}
        </main>
        <footer class="site">{{#page}}<p>{{footer}}</p>{{/page}}</footer>
        </body>
        </html>

        """

    static let overview = """
        {{<layout}}{{$main}}
        <h1>Template history</h1>
        {{#hasFilter}}<p class="note">{{filterNote}}</p>{{/hasFilter}}
        {{#isEmpty}}<p>No snapshots recorded yet.</p>{{/isEmpty}}
        {{^isEmpty}}
        <section aria-labelledby="workspaces-heading">
        <h2 id="workspaces-heading">Workspaces</h2>
        <table id="workspaces">
        <caption>Every workspace and series in the history</caption>
        <thead><tr><th scope="col">Workspace</th><th scope="col">Name</th><th scope="col">Series</th><th scope="col" class="num">Snapshots</th><th scope="col" class="num">Changes</th><th scope="col">Latest fetch</th><th scope="col">Schema versions</th><th scope="col" class="num">Templates</th></tr></thead>
        <tbody>
        {{#workspaces}}
        <tr data-workspace="{{workspace}}"><th scope="row"><a href="#{{anchor}}">{{workspace}}</a></th><td>{{name}}</td><td>{{seriesLabel}}</td><td class="num">{{snapshots}}</td><td class="num">{{changes}}</td><td><time>{{latest}}</time></td><td>{{versions}}</td><td class="num">{{templates}}</td></tr>
        {{/workspaces}}
        </tbody>
        </table>
        </section>

        <section aria-labelledby="breaking-heading">
        <h2 id="breaking-heading">Latest breaking changes</h2>
        {{^hasBreaking}}<p>No change in these snapshots can break data a submitter already prepared.</p>{{/hasBreaking}}
        {{#breaking}}
        <article class="breaking-group">
        <h3><a href="{{link}}">{{heading}}</a></h3>
        <p class="meta">Fetched <time>{{fetched}}</time></p>
        <ul class="breaking">
        {{#items}}<li data-kind="{{kind}}"><span class="tag">{{kindLabel}}</span> {{message}}</li>
        {{/items}}
        </ul>
        {{#hasMore}}<p><a href="{{link}}">{{more}} on the change's page</a></p>{{/hasMore}}
        </article>
        {{/breaking}}
        </section>

        {{#series}}
        <section class="series" id="{{anchor}}" aria-labelledby="{{anchor}}-heading">
        <h2 id="{{anchor}}-heading">{{heading}}{{#hasName}} <span class="subtle">— {{name}}</span>{{/hasName}}</h2>
        {{#timeline}}{{>timeline}}{{/timeline}}
        <ul class="legend" aria-label="Timeline legend">
        <li><span class="swatch first"></span> first snapshot</li>
        <li><span class="swatch same"></span> no change</li>
        <li><span class="swatch changed"></span> changed</li>
        <li><span class="swatch breaking"></span> changed, with breaking changes</li>
        </ul>
        {{#page.served}}{{#canCompare}}
        <form class="compare" action="diff" method="get">
        <fieldset>
        <legend>Compare two snapshots</legend>
        <input type="hidden" name="series" value="{{seriesKey}}">
        <label for="from-{{seriesKey}}">From</label>
        <select id="from-{{seriesKey}}" name="from">{{#choices}}<option value="{{id}}"{{#selectedFrom}} selected{{/selectedFrom}}>{{label}}</option>{{/choices}}</select>
        <label for="to-{{seriesKey}}">To</label>
        <select id="to-{{seriesKey}}" name="to">{{#choices}}<option value="{{id}}"{{#selectedTo}} selected{{/selectedTo}}>{{label}}</option>{{/choices}}</select>
        <button type="submit">Show the differences</button>
        </fieldset>
        </form>
        {{/canCompare}}{{/page.served}}
        <table class="snapshots">
        <caption>Snapshots, newest first</caption>
        <thead><tr><th scope="col" class="num">Snapshot</th><th scope="col">Fetched</th><th scope="col" class="num">Files</th><th scope="col">Schema versions</th><th scope="col">Contents</th><th scope="col" class="num">Breaking</th></tr></thead>
        <tbody>
        {{#snapshots}}
        <tr class="{{state}}"><th scope="row" class="num">{{#page.served}}<a href="{{filesLink}}">{{id}}</a>{{/page.served}}{{^page.served}}{{id}}{{/page.served}}</th><td><time>{{fetched}}</time></td><td class="num">{{files}}</td><td>{{versions}}</td><td>{{#hasChangeLink}}<a href="{{changeLink}}">{{stateLabel}}</a>{{/hasChangeLink}}{{^hasChangeLink}}{{stateLabel}}{{/hasChangeLink}}</td><td class="num">{{#hasBreaking}}<strong class="bad">{{breaking}}</strong>{{/hasBreaking}}{{^hasBreaking}}{{breaking}}{{/hasBreaking}}</td></tr>
        {{/snapshots}}
        </tbody>
        </table>
        {{#hasTemplates}}
        <details class="templates">
        <summary>Templates at the latest snapshot ({{latestLabel}})</summary>
        <table>
        <caption>Templates at {{latestLabel}}</caption>
        <thead><tr><th scope="col">Template</th><th scope="col">Schema version</th><th scope="col">Type</th><th scope="col" class="num">Columns</th><th scope="col">File</th></tr></thead>
        <tbody>
        {{#templates}}<tr><th scope="row"><a href="{{link}}">{{name}}</a></th><td>{{version}}</td><td>{{type}}</td><td class="num">{{columns}}</td><td>{{file}}</td></tr>
        {{/templates}}
        </tbody>
        </table>
        </details>
        {{/hasTemplates}}
        </section>
        {{/series}}
        {{/isEmpty}}
        {{/main}}{{/layout}}
        """

    static let change = """
        {{<layout}}{{$main}}
        <p class="crumbs"><a href="{{overviewLink}}">Overview</a></p>
        <h1>{{heading}}</h1>
        <dl class="pair">
        <dt>From</dt><dd>{{#page.served}}<a href="{{fromLink}}">{{fromLabel}}</a>{{/page.served}}{{^page.served}}{{fromLabel}}{{/page.served}}</dd>
        <dt>To</dt><dd>{{#page.served}}<a href="{{toLink}}">{{toLabel}}</a>{{/page.served}}{{^page.served}}{{toLabel}}{{/page.served}}</dd>
        </dl>
        {{#noChange}}<p>These snapshots hold the same files: nothing changed.</p>{{/noChange}}
        {{^noChange}}
        <nav class="toc" aria-label="On this page"><ul>
        <li><a href="#breaking">Breaking changes ({{breakingCount}})</a></li>
        {{#hasTemplates}}<li><a href="#templates">Templates</a></li>{{/hasTemplates}}
        {{#hasColumnTables}}<li><a href="#columns">Columns</a></li>{{/hasColumnTables}}
        {{#hasLookups}}<li><a href="#lookups">Lookups</a></li>{{/hasLookups}}
        <li><a href="#files">Files</a></li>
        {{#hasDiffs}}<li><a href="#diffs">Text differences</a></li>{{/hasDiffs}}
        </ul></nav>
        {{#hasSummary}}<ul class="summary">{{#summary}}<li>{{.}}</li>{{/summary}}</ul>{{/hasSummary}}

        <section id="breaking" aria-labelledby="breaking-heading">
        <h2 id="breaking-heading">Breaking changes ({{breakingCount}})</h2>
        {{^hasBreaking}}<p>None: nothing here can break data a submitter already prepared.</p>{{/hasBreaking}}
        {{#hasBreaking}}
        <table class="breaking" id="breaking-table">
        <caption>Changes that can break data a submitter already prepared, most serious first within each template, lookups last</caption>
        <thead><tr><th scope="col">Kind</th><th scope="col">Template, column or lookup</th><th scope="col">Change</th></tr></thead>
        <tbody>
        {{#breaking}}<tr data-kind="{{kind}}"><td><span class="tag">{{kindLabel}}</span></td><td>{{subject}}</td><td class="message">{{message}}</td></tr>
        {{/breaking}}
        </tbody>
        </table>
        {{/hasBreaking}}
        </section>

        {{#hasWarnings}}<section aria-labelledby="warnings-heading"><h2 id="warnings-heading">Warnings</h2><ul class="warnings">{{#warnings}}<li>{{.}}</li>{{/warnings}}</ul></section>{{/hasWarnings}}
        {{#hasInconsistencies}}<section aria-labelledby="inconsistent-heading"><h2 id="inconsistent-heading">.txt templates that disagree with their definitions</h2><ul class="warnings">{{#inconsistencies}}<li>{{.}}</li>{{/inconsistencies}}</ul></section>{{/hasInconsistencies}}

        {{#hasTemplates}}
        <section id="templates" aria-labelledby="templates-heading">
        <h2 id="templates-heading">Templates</h2>
        {{#hasAdded}}<h3>Added</h3><ul class="added">{{#added}}<li>{{#hasLink}}<a href="{{link}}">{{name}}</a>{{/hasLink}}{{^hasLink}}{{name}}{{/hasLink}} <span class="subtle">({{file}}, {{versions}})</span></li>{{/added}}</ul>{{/hasAdded}}
        {{#hasRemoved}}<h3>Removed</h3><ul class="removed">{{#removed}}<li>{{name}} <span class="subtle">({{file}}, {{versions}})</span></li>{{/removed}}</ul>{{/hasRemoved}}
        {{#hasRenamed}}<h3>Renamed</h3><ul class="renamed">{{#renamed}}<li>{{fromName}} → {{#hasLink}}<a href="{{link}}">{{name}}</a>{{/hasLink}}{{^hasLink}}{{name}}{{/hasLink}} <span class="subtle">({{file}})</span></li>{{/renamed}}</ul>{{/hasRenamed}}
        <table id="template-changes">
        <caption>Every template that differs, even only in its Schema Version</caption>
        <thead><tr><th scope="col">Template</th><th scope="col">Status</th><th scope="col">Was</th><th scope="col">Schema version</th><th scope="col">File</th><th scope="col">Columns</th></tr></thead>
        <tbody>
        {{#templates}}<tr data-template="{{name}}" data-status="{{status}}"><th scope="row">{{#hasLink}}<a href="{{link}}">{{name}}</a>{{/hasLink}}{{^hasLink}}{{name}}{{/hasLink}}</th><td class="status {{status}}">{{statusLabel}}</td><td class="from-name">{{fromName}}</td><td>{{versions}}</td><td>{{file}}</td><td>{{#hasTable}}<a href="#{{tableAnchor}}">{{columns}}</a>{{/hasTable}}{{^hasTable}}{{columns}}{{/hasTable}}</td></tr>
        {{/templates}}
        </tbody>
        </table>
        {{#hasAttributeRows}}
        <table id="template-attributes">
        <caption>Template attributes that changed</caption>
        <thead><tr><th scope="col">Template</th><th scope="col">Attribute</th><th scope="col">Before</th><th scope="col">After</th></tr></thead>
        <tbody>{{#attributeRows}}<tr><th scope="row">{{template}}</th><td><code>{{attribute}}</code></td><td class="before">{{before}}</td><td class="after">{{after}}</td></tr>{{/attributeRows}}</tbody>
        </table>
        {{/hasAttributeRows}}
        </section>
        {{/hasTemplates}}

        {{#hasColumnTables}}
        <section id="columns" aria-labelledby="columns-heading">
        <h2 id="columns-heading">Columns</h2>
        {{#columnTables}}
        <table class="columns" id="{{anchor}}" data-template="{{template}}">
        <caption>{{#hasLink}}<a href="{{link}}">{{heading}}</a>{{/hasLink}}{{^hasLink}}{{heading}}{{/hasLink}}</caption>
        <thead><tr><th scope="col">Column</th><th scope="col">Change</th><th scope="col">Attribute</th><th scope="col">{{before}}</th><th scope="col">{{after}}</th></tr></thead>
        <tbody>
        {{#rows}}<tr class="{{change}}" data-column="{{column}}" data-change="{{change}}" data-attribute="{{attribute}}"><th scope="row">{{column}}</th><td class="change">{{changeLabel}}</td><td><code>{{attribute}}</code></td><td class="before">{{before}}</td><td class="after">{{after}}</td></tr>
        {{/rows}}
        </tbody>
        </table>
        {{/columnTables}}
        </section>
        {{/hasColumnTables}}

        {{#hasLookups}}
        <section id="lookups" aria-labelledby="lookups-heading">
        <h2 id="lookups-heading">Lookup values</h2>
        <table id="lookup-changes">
        <caption>Lookup tables that changed</caption>
        <thead><tr><th scope="col">Lookup table</th><th scope="col">Status</th><th scope="col" class="num">Values gained</th><th scope="col" class="num">Values lost</th></tr></thead>
        <tbody>{{#lookups}}<tr><th scope="row"><a href="#{{anchor}}">{{name}}</a></th><td class="status {{status}}">{{statusLabel}}</td><td class="num">{{gainedCount}}</td><td class="num">{{lostCount}}</td></tr>{{/lookups}}</tbody>
        </table>
        {{#lookups}}
        <section class="lookup" id="{{anchor}}" data-lookup="{{name}}" data-status="{{status}}" aria-label="Lookup table {{name}}">
        <h3>{{name}} <span class="subtle">({{statusLabel}})</span></h3>
        <div class="side-by-side">
        <div><h4>Gained ({{gainedCount}})</h4>{{#hasGained}}<ul class="gained">{{#gained}}<li>{{.}}</li>{{/gained}}</ul>{{/hasGained}}{{^hasGained}}<p>None.</p>{{/hasGained}}</div>
        <div><h4>Lost ({{lostCount}})</h4>{{#hasLost}}<ul class="lost">{{#lost}}<li>{{.}}</li>{{/lost}}</ul>{{/hasLost}}{{^hasLost}}<p>None.</p>{{/hasLost}}</div>
        </div>
        </section>
        {{/lookups}}
        </section>
        {{/hasLookups}}

        <section id="files" aria-labelledby="files-heading">
        <h2 id="files-heading">Files</h2>
        <p>{{fileCounts}}</p>
        <table id="file-changes">
        <caption>Files that differ, by path</caption>
        <thead><tr><th scope="col">Path</th><th scope="col">Status</th><th scope="col">Was</th><th scope="col">Size</th>{{#page.served}}<th scope="col">Show</th>{{/page.served}}</tr></thead>
        <tbody>
        {{#files}}<tr data-status="{{status}}"><th scope="row">{{#hasDiff}}<a href="#{{diffAnchor}}">{{path}}</a>{{/hasDiff}}{{^hasDiff}}{{path}}{{/hasDiff}}</th><td class="status {{status}}">{{statusLabel}}</td><td>{{fromPath}}</td><td>{{sizes}}</td>{{#page.served}}<td>{{#hasShowBefore}}<a href="{{showBefore}}">before</a>{{/hasShowBefore}} {{#hasShowAfter}}<a href="{{showAfter}}">after</a>{{/hasShowAfter}}</td>{{/page.served}}</tr>
        {{/files}}
        </tbody>
        </table>
        </section>

        {{#hasDiffs}}
        <section id="diffs" aria-labelledby="diffs-heading">
        <h2 id="diffs-heading">Text differences</h2>
        {{#diffs}}
        <section class="file-diff" id="{{anchor}}" aria-label="Differences in {{path}}">
        <h3><code>{{path}}</code></h3>
        {{#hasNote}}<p class="note">{{note}}</p>{{/hasNote}}
        {{#hasHunks}}
        <table class="diff">
        <caption>Line differences in {{path}}</caption>
        <thead><tr><th scope="col" class="num">Before</th><th scope="col" class="num">After</th><th scope="col"><span class="visually-hidden">Change</span></th><th scope="col">Line</th></tr></thead>
        {{#hunks}}<tbody><tr class="hunk"><th scope="rowgroup" colspan="4">{{header}}</th></tr>
        {{#lines}}<tr class="{{kind}}"><td class="num">{{old}}</td><td class="num">{{new}}</td><td class="marker">{{marker}}</td><td><code>{{text}}</code></td></tr>
        {{/lines}}</tbody>{{/hunks}}
        </table>
        {{/hasHunks}}
        </section>
        {{/diffs}}
        </section>
        {{/hasDiffs}}
        {{/noChange}}
        {{/main}}{{/layout}}
        """

    static let template = """
        {{<layout}}{{$main}}
        <p class="crumbs"><a href="{{overviewLink}}">Overview</a> › {{heading}}</p>
        <h1>{{name}}</h1>
        <dl class="facts">
        <dt>Workspace</dt><dd>{{heading}}</dd>
        <dt>Schema version</dt><dd>{{version}}</dd>
        <dt>Type</dt><dd>{{type}}</dd>
        <dt>File</dt><dd>{{file}}</dd>
        <dt>Defined in</dt><dd><code>{{foundIn}}</code></dd>
        <dt>As of</dt><dd>{{snapshotLabel}}</dd>
        </dl>
        {{#hasDescription}}<p class="description">{{description}}</p>{{/hasDescription}}
        <section id="columns" aria-labelledby="columns-heading">
        <h2 id="columns-heading">Columns ({{columnCount}})</h2>
        <table class="column-list">
        <caption>Columns of {{name}} at the latest snapshot</caption>
        <thead><tr><th scope="col" class="num">#</th><th scope="col">Column</th>{{#isCompound}}<th scope="col">Block</th>{{/isCompound}}<th scope="col">Required</th><th scope="col">Data type</th><th scope="col">Vocabulary</th><th scope="col">Preferred values</th><th scope="col">Description</th></tr></thead>
        <tbody>
        {{#columns}}<tr data-column="{{name}}"><td class="num">{{position}}</td><th scope="row">{{name}}</th>{{#isCompound}}<td>{{block}}</td>{{/isCompound}}<td>{{#isRequired}}<strong>Yes</strong>{{/isRequired}}{{^isRequired}}No{{/isRequired}}</td><td>{{dataType}}</td><td>{{vocabulary}}</td><td>{{preferred}}</td><td>{{description}}</td></tr>
        {{/columns}}
        </tbody>
        </table>
        </section>
        <section id="history" aria-labelledby="history-heading">
        <h2 id="history-heading">History</h2>
        {{#chart}}{{>bars}}{{/chart}}
        <table class="template-history">
        <caption>Versions of {{name}}, oldest first</caption>
        <thead><tr><th scope="col" class="num">Snapshot</th><th scope="col">Fetched</th><th scope="col">Name then</th><th scope="col">Schema version</th><th scope="col" class="num">Columns</th><th scope="col">What changed</th></tr></thead>
        <tbody>
        {{#history}}<tr><th scope="row" class="num">{{snapshot}}</th><td><time>{{fetched}}</time></td><td>{{name}}</td><td>{{version}}</td><td class="num">{{columns}}</td><td>{{#hasLink}}<a href="{{link}}">{{change}}</a>{{/hasLink}}{{^hasLink}}{{change}}{{/hasLink}}</td></tr>
        {{/history}}
        </tbody>
        </table>
        </section>
        {{/main}}{{/layout}}
        """

    static let search = """
        {{<layout}}{{$main}}
        <h1>Search</h1>
        <form class="search-page" role="search" action="search" method="get">
        <label for="search-query">Words to find, as a phrase</label>
        <input id="search-query" name="q" type="search" value="{{query}}">
        <label><input type="checkbox" name="all" value="1"{{#allSnapshots}} checked{{/allSnapshots}}> every snapshot, not only the latest</label>
        <button type="submit">Search</button>
        </form>
        {{#hasQuery}}
        <p>{{count}}</p>
        {{#hasHits}}
        <table id="search-hits">
        <caption>Files that match</caption>
        <thead><tr><th scope="col">Workspace</th><th scope="col" class="num">Snapshot</th><th scope="col">File</th><th scope="col">Match</th></tr></thead>
        <tbody>
        {{#hits}}<tr><td>{{workspace}}</td><td class="num"><a href="{{snapshotLink}}">{{snapshot}}</a></td><th scope="row"><a href="{{link}}">{{path}}</a></th><td>{{#parts}}{{#marked}}<mark>{{text}}</mark>{{/marked}}{{^marked}}{{text}}{{/marked}}{{/parts}}</td></tr>
        {{/hits}}
        </tbody>
        </table>
        {{/hasHits}}
        {{/hasQuery}}
        {{/main}}{{/layout}}
        """

    static let snapshot = """
        {{<layout}}{{$main}}
        <p class="crumbs"><a href="{{overviewLink}}">Overview</a></p>
        <h1>{{heading}}</h1>
        <dl class="facts">
        <dt>Fetched</dt><dd><time>{{fetched}}</time></dd>
        <dt>From</dt><dd>{{origin}}</dd>
        <dt>Zip</dt><dd>{{archive}} — <a href="{{zipLink}}" download>download this snapshot as a zip</a></dd>
        </dl>
        <table id="snapshot-files">
        <caption>{{count}}</caption>
        <thead><tr><th scope="col">Path</th><th scope="col" class="num">Size</th><th scope="col">SHA-256</th></tr></thead>
        <tbody>
        {{#files}}<tr><th scope="row">{{#isFolder}}{{path}}{{/isFolder}}{{^isFolder}}<a href="{{link}}">{{path}}</a>{{/isFolder}}</th><td class="num">{{size}}</td><td><code>{{sha256}}</code></td></tr>
        {{/files}}
        </tbody>
        </table>
        {{/main}}{{/layout}}
        """

    static let message = """
        {{<layout}}{{$main}}
        <h1>{{heading}}</h1>
        <p>{{message}}</p>
        {{#showLogin}}
        <form class="login" action="{{#page}}{{root}}{{/page}}login" method="post">
        {{#loginFailed}}<p class="bad" role="alert">That token is not the one this server was started with.</p>{{/loginFailed}}
        <label for="token">Access token</label>
        <input id="token" name="token" type="password" autocomplete="current-password" required>
        <button type="submit">Sign in</button>
        </form>
        {{/showLogin}}
        {{^showLogin}}<p><a href="{{#page}}{{root}}{{/page}}index.html">Back to the overview</a></p>{{/showLogin}}
        {{/main}}{{/layout}}
        """

    static let timeline = """
        <figure class="chart">
        <svg class="timeline" viewBox="0 0 {{width}} {{height}}" width="{{width}}" height="{{height}}" role="img" aria-labelledby="{{id}}-title {{id}}-desc">
        <title id="{{id}}-title">{{title}}</title>
        <desc id="{{id}}-desc">{{summary}}</desc>
        <line class="axis" x1="{{axisStart}}" y1="{{axisY}}" x2="{{axisEnd}}" y2="{{axisY}}"></line>
        {{#labels}}<text class="version" x="{{x}}" y="{{y}}" text-anchor="{{anchor}}">{{text}}</text>
        {{/labels}}{{#ticks}}<text class="tick" x="{{x}}" y="{{y}}" text-anchor="{{anchor}}">{{text}}</text>
        {{/ticks}}{{#points}}{{#hasLink}}<a href="{{link}}">{{/hasLink}}<circle class="{{kind}}" cx="{{cx}}" cy="{{cy}}" r="{{r}}"><title>{{tip}}</title></circle>{{#hasLink}}</a>{{/hasLink}}
        {{/points}}
        </svg>
        <figcaption>{{summary}}</figcaption>
        </figure>
        """

    static let bars = """
        {{#hasBars}}
        <figure class="chart">
        <svg class="bars" viewBox="0 0 {{width}} {{height}}" width="{{width}}" height="{{height}}" role="img" aria-labelledby="{{id}}-title {{id}}-desc">
        <title id="{{id}}-title">{{title}}</title>
        <desc id="{{id}}-desc">{{summary}}</desc>
        <line class="axis" x1="10" y1="{{baseline}}" x2="{{width}}" y2="{{baseline}}"></line>
        {{#bars}}<rect x="{{x}}" y="{{y}}" width="{{width}}" height="{{height}}"><title>{{tip}}</title></rect><text class="value" x="{{labelX}}" y="{{valueY}}" text-anchor="middle">{{value}}</text><text class="tick" x="{{labelX}}" y="{{labelY}}" text-anchor="middle">{{label}}</text>
        {{/bars}}
        </svg>
        <figcaption>{{title}}: {{summary}}</figcaption>
        </figure>
        {{/hasBars}}
        """
}
