// A socket.io client as the original Tinyphone web client uses it, in Node: connects, emits setup {id, phoneNumber}
// on connect, and prints every Tinyphone event as one JSON line. Usage:
//   node client.js MODULES_DIR URL NUMBER ID TRANSPORTS   (TRANSPORTS: "polling", "websocket" or "polling,websocket")
// Ends when its standard input closes.
'use strict';
const path = require('path');
const [modules, url, number, id, transports] = process.argv.slice(2);
const io = require(path.join(modules, 'node_modules', 'socket.io-client'));
const print = (...x) => process.stdout.write(JSON.stringify(x) + '\n');
const socket = io.connect(url, { transports: transports.split(','), forceNew: true, reconnection: false });
socket.on('connect', () => {
  print('connect', socket.io.engine.transport.name);
  socket.emit('setup', { id: id, phoneNumber: number });
});
socket.io.engine.on('upgrade', (t) => print('upgrade', t.name));
for (const name of ['new_call', 'keypress', 'audio_level', 'hangup', 'sms']) {
  socket.on(name, (msg) => print(name, msg));
}
socket.on('disconnect', (reason) => print('disconnect', String(reason)));
socket.on('connect_error', (e) => print('connect_error', String(e && e.message || e)));
socket.on('error', (e) => print('error', String(e && e.message || e)));
process.stdin.on('data', () => {});
process.stdin.on('end', () => { socket.close(); setTimeout(() => process.exit(0), 100); });
