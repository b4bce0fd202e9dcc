/** The only stylesheet, served from /assets (CSP allows styles from 'self' only). */
export const STYLESHEET = `
*{box-sizing:border-box}
body{margin:0;padding:0 .75rem;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1f24;background:#f4f5f7}
main{max-width:26rem;margin:2rem auto;padding:1.5rem;background:#fff;border-radius:.5rem;box-shadow:0 1px 3px rgba(0,0,0,.12)}
h1{font-size:1.4rem;margin:0 0 1rem}
label{display:block;margin:.75rem 0 .25rem;font-weight:600}
input[type=text],input[type=password]{width:100%;padding:.6rem;font-size:1rem;border:1px solid #8c959f;border-radius:.35rem}
input:focus,button:focus{outline:3px solid #0969da;outline-offset:1px}
button{margin-top:1rem;padding:.6rem 1.1rem;font-size:1rem;border:0;border-radius:.35rem;background:#0969da;color:#fff;cursor:pointer}
button.secondary{background:#e6e8eb;color:#1b1f24}
a.button{display:inline-block;padding:.6rem 1.1rem;border-radius:.35rem;text-decoration:none}
a.button.secondary{background:#e6e8eb;color:#1b1f24}
.actions{display:flex;gap:.75rem;flex-wrap:wrap}
.error{padding:.6rem .8rem;border-radius:.35rem;background:#ffebe9;color:#82071e}
ul.scopes{padding-left:1.2rem}
ul.consents{list-style:none;padding:0}
ul.consents li{border-top:1px solid #d0d7de;padding:.75rem 0}
code{font-size:.9em}
`;
