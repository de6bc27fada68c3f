#include "render/html_util.h"

#include "render/escaping_stream.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

namespace crashctl::html {

std::string escape(llvm::StringRef s) {
  std::string shown = escape_control(std::string_view(s.data(), s.size()));
  std::string out;
  out.reserve(shown.size() + 16);
  for (char c : shown) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string script_json(llvm::StringRef json) {
  std::string out;
  out.reserve(json.size() + 64);
  for (size_t i = 0; i < json.size(); ++i) {
    char c = json[i];
    if (c == '<')
      out += "\\u003c";
    else if (c == '>')
      out += "\\u003e";
    else if (c == '&')
      out += "\\u0026";
    else if (c == '\xe2' && i + 2 < json.size() && json[i + 1] == '\x80' &&
             (json[i + 2] == '\xa8' || json[i + 2] == '\xa9')) {
      out += json[i + 2] == '\xa8' ? "\\u2028" : "\\u2029";
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

std::string safe_url(llvm::StringRef url) {
  size_t colon = url.find(':');
  if (colon == llvm::StringRef::npos) return "";
  llvm::StringRef scheme = url.take_front(colon);
  if (scheme.empty() ||
      !llvm::all_of(scheme, [](char c) { return llvm::isAlnum(c) || c == '+' || c == '-' || c == '.'; }))
    return "";
  std::string lower = scheme.lower();
  if (lower == "javascript" || lower == "data" || lower == "vbscript") return "";
  return url.str();
}

namespace {

const char *kCss = R"css(
:root{--bg:#fff;--fg:#1f2328;--dim:#6e7781;--line:#d0d7de;--box:#f6f8fa;--accent:#cf222e;--prog:#9a6700;--dep:#0969da;--std:#1a7f37;--rt:#8c959f;--c:#8250df;--mark:#fff8c5}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--dim:#8d96a0;--line:#30363d;--box:#161b22;--accent:#ff7b72;--prog:#e3b341;--dep:#79c0ff;--std:#7ee787;--rt:#6e7681;--c:#d2a8ff;--mark:#3b2e00}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif}
main{max-width:1200px;margin:0 auto;padding:16px}
header.page{padding:8px 16px;border-bottom:1px solid var(--line);color:var(--dim);font-size:12px}
h1{font-size:16px;margin:24px 0 8px;word-break:break-all}
h2{font-size:20px;margin:0 0 6px}
h3{font-size:15px;margin:20px 0 6px;border-bottom:1px solid var(--line);padding-bottom:3px}
code,pre,.frames,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
article.report{border:1px solid var(--line);border-radius:6px;padding:14px 16px;margin:12px 0;background:var(--bg)}
.verdict{background:var(--box);border-radius:6px;padding:12px 14px}
.verdict .cls,td .cls{color:var(--accent)}
tr.files td{border-bottom:1px solid var(--line);padding-top:0}tr.bucket td{border-bottom:none}
table.buckets{width:100%}table.buckets td{overflow-wrap:anywhere}td.culprit{min-width:20em}table.buckets td.seen,table.buckets td.kinds{overflow-wrap:normal}
.badge{display:inline-block;border:1px solid var(--line);border-radius:10px;padding:0 7px;margin-left:6px;font-size:11px;color:var(--dim);vertical-align:middle}
.badge.warn{border-color:var(--accent);color:var(--accent)}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:8px 0 0}
dl.facts dt{color:var(--dim)}dl.facts dd{margin:0;word-break:break-word}
.frames{list-style:none;margin:4px 0;padding:0}
.frames li{padding:1px 4px;white-space:pre-wrap;word-break:break-all}
.frames li.culprit{background:var(--mark);font-weight:bold}
.frames .idx{display:inline-block;min-width:2.5em;color:var(--dim)}
.frames .loc{color:var(--dim);margin-left:1em}
.frames .args{color:var(--dim)}
.k-program .fn{color:var(--prog)}.k-dependency .fn{color:var(--dep)}.k-stdlib .fn{color:var(--std)}.k-runtime .fn{color:var(--rt)}.k-c .fn{color:var(--c)}
a.fn{text-decoration:none}a.fn:hover{text-decoration:underline}
.legend span{margin-right:12px}
pre.source{background:var(--box);padding:8px;overflow-x:auto;border-radius:6px}
pre.source .hit{background:var(--mark);font-weight:bold;display:inline-block;width:100%}
table{border-collapse:collapse;margin:4px 0}
th,td{border-bottom:1px solid var(--line);padding:3px 8px;text-align:left;vertical-align:top}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.group-ui{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin:6px 0}
.group-ui input[type=search]{min-width:260px;padding:3px 6px}
details.group{border-bottom:1px solid var(--line);padding:2px 0}
details.group>summary{cursor:pointer;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12.5px}
details.group .count{display:inline-block;min-width:5em;text-align:right;margin-right:8px;font-weight:bold}
details.group .ids{color:var(--dim);font-size:12px;margin:2px 0 6px 2em;word-break:break-all}
.dim{color:var(--dim)}
ul.plain{margin:4px 0;padding-left:20px}
)css";

const char *kScript = R"js(
(function(){'use strict';
var PAGE=200;
function el(t,c,x){var e=document.createElement(t);if(c)e.className=c;if(x!=null)e.textContent=x;return e;}
var KINDS=['program','dependency','stdlib','runtime','c'];
function fname(D,f){var p=D.pkgs[f[0]];return (p?p+'.':'')+f[1];}
function frame(D,k,idx){var f=D.frames[k],li=el('li','frame k-'+KINDS[f[4]]);
 if(idx!=null)li.appendChild(el('span','idx',String(idx)));
 var fn;if(f[6]){fn=el('a','fn',fname(D,f));fn.href=f[6];}else fn=el('span','fn',fname(D,f));li.appendChild(fn);
 li.appendChild(el('span','loc',D.files[f[2]]+(f[3]>0?':'+f[3]:'')));if(f[5])li.appendChild(el('span','badge','inlined'));return li;}
document.querySelectorAll('section.groups').forEach(function(sec){
 var data;try{data=JSON.parse(sec.querySelector('script.group-data').textContent);}catch(e){return;}
 var D=data,F=data.frames,G=data.groups,keys=new Array(G.length);
 for(var i=0;i<G.length;i++){var s='';for(var j=0;j<G[i].f.length;j++)s+=fname(D,F[G[i].f[j]]).toLowerCase()+'\n';keys[i]=s;}
 var ui=sec.querySelector('.group-ui');ui.hidden=false;
 var q=ui.querySelector('input.search'),st=ui.querySelector('select.state'),lk=ui.querySelector('input.leaks'),
  shown=ui.querySelector('.shown'),list=sec.querySelector('.group-list'),more=sec.querySelector('button.more');
 var states={};G.forEach(function(g){states[g.s]=(states[g.s]||0)+g.n;});
 Object.keys(states).sort(function(a,b){return D.states[a]<D.states[b]?-1:1;}).forEach(function(s){var o=el('option',null,D.states[s]+' ('+states[s]+')');o.value=s;st.appendChild(o);});
 var matches=[],limit=PAGE;
 function build(d,g){var ol=el('ol','frames');for(var j=0;j<g.f.length;j++)ol.appendChild(frame(D,g.f[j],j));d.appendChild(ol);
  if(g.c!=null){var c=F[g.c],p=el('div','dim','created by ');p.appendChild(frame(D,g.c).querySelector('.fn'));p.appendChild(el('span','loc',' '+D.files[c[2]]+':'+c[3]));d.appendChild(p);}
  if(g.leak){var u=el('ul','plain');g.leak.forEach(function(r){u.appendChild(el('li',null,r));});d.appendChild(u);}
  d.appendChild(el('div','ids','goroutines '+g.ids));}
 function node(i){var g=G[i],d=el('details','group');d.dataset.i=i;var s=el('summary');
  s.appendChild(el('span','count',g.n+' \u00d7'));s.appendChild(el('span','state','['+D.states[g.s]+(g.m?', '+g.m:'')+'] '));
  var site=g.site!=null?F[g.site]:null,fn=el('span','site k-'+(site?KINDS[site[4]]:'runtime'));fn.appendChild(el('span','fn',site?fname(D,site):'(no frames)'));s.appendChild(fn);
  if(site)s.appendChild(el('span','loc dim',' '+D.files[site[2]]+':'+site[3]));
  if(g.leak)s.appendChild(el('span','badge warn','leak suspect'));if(g.crashing)s.appendChild(el('span','badge warn','crashing'));
  d.appendChild(s);d.addEventListener('toggle',function(){if(d.open&&!d.built){d.built=true;build(d,g);}});return d;}
 function render(){list.textContent='';var n=Math.min(limit,matches.length),tot=0;
  for(var k=0;k<n;k++)list.appendChild(node(matches[k]));for(k=0;k<matches.length;k++)tot+=G[matches[k]].n;
  shown.textContent=matches.length+' of '+G.length+' groups, '+tot+' goroutines'+(n<matches.length?' (first '+n+' shown)':'');
  more.hidden=n>=matches.length;}
 function filter(){var t=q.value.trim().toLowerCase(),s=st.value,l=lk.checked;matches=[];
  for(var i=0;i<G.length;i++){var g=G[i];if(s&&String(g.s)!==s)continue;if(l&&!g.leak)continue;if(t&&keys[i].indexOf(t)<0)continue;matches.push(i);}
  limit=PAGE;render();}
 q.addEventListener('input',filter);st.addEventListener('change',filter);lk.addEventListener('change',filter);
 more.addEventListener('click',function(){limit+=PAGE;render();});filter();});
document.querySelectorAll('section.buckets').forEach(function(sec){
 var ui=sec.querySelector('.group-ui');ui.hidden=false;var q=ui.querySelector('input.search'),shown=ui.querySelector('.shown');
 var rows=sec.querySelectorAll('tbody tr.bucket');
 function filter(){var t=q.value.trim().toLowerCase(),n=0;rows.forEach(function(r){var hit=!t||r.textContent.toLowerCase().indexOf(t)>=0;r.hidden=!hit;var f=r.nextElementSibling;if(f&&f.classList.contains('files'))f.hidden=!hit;if(hit)n++;});shown.textContent=n+' of '+rows.length+' buckets';}
 q.addEventListener('input',filter);filter();});
})();
)js";

}  // namespace

void page_begin(llvm::raw_ostream &os, llvm::StringRef title, llvm::StringRef tool_version) {
  os << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
     << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
     << "<meta name=\"color-scheme\" content=\"light dark\">\n"
     << "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
        "script-src 'unsafe-inline'; img-src data:\">\n"
     << "<meta name=\"generator\" content=\"crashctl " << escape(tool_version) << "\">\n"
     << "<meta name=\"crashctl-html-version\" content=\"" << kHtmlVersion << "\">\n"
     << "<title>" << escape(title) << "</title>\n<style>" << kCss << "</style>\n</head>\n<body>\n"
     << "<header class=\"page\">crashctl " << escape(tool_version) << " &middot; " << escape(title)
     << " &middot; <span class=\"legend\"><span class=\"k-program\"><span class=\"fn\">program</span></span>"
     << "<span class=\"k-dependency\"><span class=\"fn\">dependency</span></span>"
     << "<span class=\"k-stdlib\"><span class=\"fn\">standard library</span></span>"
     << "<span class=\"k-runtime\"><span class=\"fn\">runtime</span></span>"
     << "<span class=\"k-c\"><span class=\"fn\">C</span></span></span></header>\n<main>\n";
}

void page_end(llvm::raw_ostream &os) {
  os << "</main>\n<script>" << kScript << "</script>\n</body>\n</html>\n";
}

}  // namespace crashctl::html
