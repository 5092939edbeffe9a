// A bare node:http server that answers every request with the same bytes as Guardian's
// ReadConfig response: the most one Node process can serve for this load on this machine.
// Usage: ceiling-server.ts <port> <body file> <content type>
import { readFileSync } from "node:fs";
import { createServer } from "node:http";

const [port, bodyFile, contentType] = process.argv.slice(2);
const body = readFileSync(bodyFile ?? "");
const headers = {
  "content-type": contentType ?? "application/json",
  "content-length": body.length,
};

createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    res.writeHead(200, headers);
    res.end(body);
  });
}).listen(Number(port), "127.0.0.1", () => console.log(`listening on ${port}`));
