import Mustache

/// The console's pages as mustache templates, compiled once. `{{x}}` escapes HTML (everything a
/// device sends is shown that way); the one `{{{body}}}` is a page these templates rendered.
enum ConsoleTemplates {
    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        for (name, text) in sources {
            // The templates are ours and fixed: a template that does not compile is a bug.
            guard let template = try? MustacheTemplate(string: text) else { preconditionFailure("template \(name)") }
            library.register(template, named: name)
        }
        return library
    }()

    static func render(_ name: String, _ context: [String: Any]) -> String {
        library.render(context, withTemplate: name) ?? ""
    }

    static let sources: [String: String] = [
        "layout": layout, "login": login, "devices": devices, "deviceTable": deviceTable, "hosts": hosts, "zones": zones,
        "accountLogin": accountLogin, "account": account, "ddns": ddns,
    ]

    static let layout = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} - lannamed</title>
        <style>
        body{font-family:system-ui,sans-serif;margin:0;color:#1d2430;background:#f6f7f9}
        header{background:#1d2430;color:#fff;padding:.6rem 1rem;display:flex;flex-wrap:wrap;gap:1rem;align-items:center}
        header a{color:#cfe3ff;text-decoration:none}header a.on{color:#fff;font-weight:600}
        header form{margin-left:auto}main{padding:1rem;max-width:80rem}
        table{border-collapse:collapse;width:100%;background:#fff}th,td{padding:.35rem .5rem;border-bottom:1px solid #e3e6ea;text-align:left;vertical-align:top;font-size:.92rem}
        th a{color:inherit}.scroll{overflow-x:auto}.muted{color:#6b7380}.error{background:#fde8e8;padding:.5rem;border-radius:4px}
        .ok{background:#e6f6ea;padding:.5rem;border-radius:4px}input,button{font:inherit;padding:.3rem .5rem}
        form.inline{display:inline}code{background:#eef0f3;padding:0 .25rem}
        </style></head><body>
        <header><strong>lannamed</strong>{{#nav}}<a href="{{href}}"{{#on}} class="on"{{/on}}>{{label}}</a>{{/nav}}
        {{#csrf}}<form method="post" action="{{logout}}"><input type="hidden" name="csrf" value="{{csrf}}"><button>Sign out</button></form>{{/csrf}}</header>
        <main>{{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}{{#notice}}<p class="ok">{{notice}}</p>{{/notice}}
        {{{body}}}
        </main>{{#script}}<script src="/console/live.js"></script>{{/script}}</body></html>
        """

    static let login = """
        <h1>Sign in</h1>
        {{#noPassword}}<p>No console password is set yet. On the server, run <code>lannamed admin password</code>.</p>{{/noPassword}}
        <form method="post" action="/console/login">
        <label>Password <input type="password" name="password" autocomplete="current-password" autofocus required></label>
        <button>Sign in</button></form>
        """

    static let devices = """
        <h1>Devices <span class="muted">({{count}})</span></h1>
        <form method="get" action="/console/devices"><input type="search" name="q" value="{{query}}" placeholder="name, address, MAC, vendor">
        <input type="hidden" name="sort" value="{{sort}}"><button>Search</button></form>
        <div class="scroll" id="devices" data-query="{{query}}" data-sort="{{sort}}">{{> deviceTable}}</div>
        """

    static let deviceTable = """
        <table><thead><tr>{{#columns}}<th><a href="/console/devices?q={{queryParameter}}&amp;sort={{key}}">{{label}}</a></th>{{/columns}}</tr></thead>
        <tbody>{{#rows}}<tr><td>{{name}}{{#note}}<div class="muted">{{note}}</div>{{/note}}</td><td>{{addresses}}</td><td>{{mac}}</td>
        <td>{{vendor}}</td><td>{{source}}</td><td>{{state}}</td><td>{{firstSeen}}</td><td>{{lastSeen}}</td><td>{{leaseEnd}}</td></tr>{{/rows}}
        {{^rows}}<tr><td colspan="9" class="muted">No devices{{#query}} match "{{query}}"{{/query}}.</td></tr>{{/rows}}</tbody></table>
        """

    static let hosts = """
        <h1>Static hosts</h1>
        <form method="post" action="/console/hosts"><input type="hidden" name="csrf" value="{{csrf}}">
        <label>Name <input name="name" required placeholder="printer"></label>
        <label>Addresses <input name="addresses" required placeholder="198.51.100.20 2001:db8::20"></label>
        <button>Add or set</button></form>
        <div class="scroll"><table><thead><tr><th>Name</th><th>Addresses</th><th>Source</th><th></th></tr></thead><tbody>
        {{#rows}}<tr><td>{{fqdn}}</td><td>{{addresses}}</td><td>{{source}}</td><td>{{#removable}}<form class="inline" method="post" action="/console/hosts/remove">
        <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="name" value="{{name}}"><button>Remove</button></form>{{/removable}}</td></tr>{{/rows}}
        {{^rows}}<tr><td colspan="4" class="muted">No static hosts yet.</td></tr>{{/rows}}</tbody></table></div>
        """

    static let zones = """
        <h1>Zones</h1><div class="scroll"><table><thead><tr><th>Zone</th><th>Serial</th><th>Records</th></tr></thead><tbody>
        {{#zones}}<tr><td>{{name}}</td><td>{{serial}}</td><td>{{records}}</td></tr>{{/zones}}</tbody></table></div>
        <h2>Secondaries</h2><div class="scroll"><table id="secondaries"><thead><tr><th>Zone</th><th>Secondary</th><th>Serial it took</th><th></th><th>When</th></tr></thead><tbody>
        {{#secondaries}}<tr><td>{{zone}}</td><td>{{secondary}}</td><td>{{serial}}</td><td>{{state}}</td><td>{{at}}</td></tr>{{/secondaries}}
        {{^secondaries}}<tr><td colspan="5" class="muted">No secondary has transferred a zone since the start.</td></tr>{{/secondaries}}</tbody></table></div>
        <h2>Upstreams</h2><div class="scroll"><table><thead><tr><th>Upstream</th><th>State</th><th>Smoothed RTT</th><th>Share of answers</th><th>Failures</th></tr></thead><tbody>
        {{#upstreams}}<tr><td>{{address}}</td><td>{{state}}</td><td>{{rtt}}</td><td>{{share}}</td><td>{{failures}}</td></tr>{{/upstreams}}
        {{^upstreams}}<tr><td colspan="5" class="muted">Not forwarding.</td></tr>{{/upstreams}}</tbody></table></div>
        <p class="muted">{{hosts}} names in the LAN zone, {{devices}} of them devices; up {{uptime}}.</p>
        """

    static let ddns = """
        <h1>Dynamic DNS</h1>
        <h2>Plans</h2><div class="scroll"><table id="plans"><thead><tr><th>Plan</th><th>Hosts at most</th><th>Minimum interval</th><th>Zones</th></tr></thead><tbody>
        {{#plans}}<tr><td>{{name}}</td><td>{{maxHosts}}</td><td>{{minInterval}}</td><td>{{zones}}</td></tr>{{/plans}}
        {{^plans}}<tr><td colspan="4" class="muted">No plans: <code>lannamed ddns plan add</code>.</td></tr>{{/plans}}</tbody></table></div>
        <h2>Accounts and usage since {{since}}</h2><div class="scroll"><table id="accounts"><thead><tr><th>Account</th><th>Plan</th><th>State</th>
        <th>Hosts</th><th>Updates (changed)</th><th>Unchanged</th><th>Refused</th><th>Expires</th></tr></thead><tbody>
        {{#accounts}}<tr><td>{{name}}</td><td>{{plan}}</td><td>{{state}}</td><td>{{hosts}}</td><td>{{good}}</td><td>{{nochg}}</td><td>{{refused}}</td><td>{{expires}}</td></tr>{{/accounts}}
        {{^accounts}}<tr><td colspan="8" class="muted">No accounts.</td></tr>{{/accounts}}</tbody></table></div>
        """

    static let accountLogin = """
        <h1>Your dynamic DNS account</h1>
        <form method="post" action="/account/login">
        <p><label>Account <input name="account" autocomplete="username" required autofocus></label></p>
        <p><label>Password <input type="password" name="password" autocomplete="current-password" required></label></p>
        <button>Sign in</button></form>
        """

    static let account = """
        <h1>{{name}} <span class="muted">({{plan}}, {{state}})</span></h1>
        <p>Your address, as this server sees it: <strong id="your-address">{{yourAddress}}</strong></p>
        <h2>Hosts</h2><div class="scroll"><table id="hosts"><thead><tr><th>Host</th><th>Addresses</th><th>Last update</th></tr></thead><tbody>
        {{#hosts}}<tr><td>{{fqdn}}</td><td>{{addresses}}</td><td>{{updated}}</td></tr>{{/hosts}}
        {{^hosts}}<tr><td colspan="3" class="muted">No hosts yet: your provider adds them.</td></tr>{{/hosts}}</tbody></table></div>
        <h2>Tokens</h2>
        {{#newSecret}}<p class="ok">New token <code id="new-secret">{{newSecret}}</code>: copy it now, it is not shown again.</p>{{/newSecret}}
        <form method="post" action="/account/tokens"><input type="hidden" name="csrf" value="{{csrf}}">
        <label>For <select name="host"><option value="">all hosts</option>{{#hosts}}<option>{{fqdn}}</option>{{/hosts}}</select></label>
        <button>Create a token</button></form>
        <div class="scroll"><table id="tokens"><thead><tr><th>Token</th><th>Hosts</th><th>Created</th><th>Last used</th><th></th></tr></thead><tbody>
        {{#tokens}}<tr><td><code>{{id}}</code></td><td>{{hosts}}</td><td>{{created}}</td><td>{{lastUsed}}</td><td>{{#revoked}}revoked {{revoked}}{{/revoked}}{{^revoked}}
        <form class="inline" method="post" action="/account/tokens/revoke"><input type="hidden" name="csrf" value="{{csrf}}">
        <input type="hidden" name="id" value="{{id}}"><button>Revoke</button></form>{{/revoked}}</td></tr>{{/tokens}}
        {{^tokens}}<tr><td colspan="5" class="muted">No tokens.</td></tr>{{/tokens}}</tbody></table></div>
        <h2>Settings for your router or client</h2>
        <p>Use a token as the password; the user name is your account ({{name}}) or the host.</p>
        <h3>Router (custom dyndns2 provider)</h3><pre id="router-url">{{updateURL}}</pre>
        <h3>ddclient</h3><pre id="ddclient">protocol=dyndns2
        server={{server}}
        ssl=yes
        login={{name}}
        password=YOUR-TOKEN
        {{firstHost}}</pre>
        <h3>inadyn</h3><pre id="inadyn">custom lannamed {
            username    = {{name}}
            password    = YOUR-TOKEN
            ddns-server = "{{server}}"
            ddns-path   = "/nic/update?hostname=%h&myip=%i"
            hostname    = {{firstHost}}
        }</pre>
        """

    /// Reloads the device table when the zone changes (server-sent events), keeping the search.
    static let liveScript = """
        (function(){var box=document.getElementById('devices');if(!box||!window.EventSource)return;
        var source=new EventSource('/console/events');
        source.addEventListener('zone',function(){var q=new URLSearchParams({q:box.dataset.query||'',sort:box.dataset.sort||'name'});
        fetch('/console/devices/table?'+q.toString(),{credentials:'same-origin'}).then(function(r){return r.ok?r.text():null})
        .then(function(html){if(html!==null){box.innerHTML=html;box.dataset.updated=String(Date.now());}});});})();
        """
}
