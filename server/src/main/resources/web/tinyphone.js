/*
 * tinyphone.js: the browser client of the Tinyphone server (WebSocket /ws, native dialect v1, docs/protocol.md).
 *
 * Same shape as the original Tinyphone web client, plus talk-back commands:
 *
 *   tinyphone.init(host, port, number);          // host/port of the page's server if omitted; number "*" = all
 *   tinyphone.on('new_call', function (call) { console.log(call.caller_id, call.value); });
 *   tinyphone.on('keypress', function (e) { console.log(e.id, e.value); });
 *   tinyphone.on('audio_level', function (e) { meter.style.width = (e.value / 327.68) + '%'; });
 *   tinyphone.on('hangup', function (e) { ... });
 *   tinyphone.play(callId, 'hello-world').then(function (r) { ... });   // r = {ok, value, error}
 *   tinyphone.say(callId, 42);  tinyphone.collect(callId, {prompt: 'beep', maxDigits: 4});  tinyphone.hangup(callId);
 *
 * Every event object has the original fields {id, event, value} (id = call id; new_call value = "callerid|arg1|…")
 * and the native ones (call, number, caller_id, caller_name, args, via, cause, ts).
 * 'sms': a text message to a watched number, with the original client's fields (id, event 'sms', value
 * "from|text URI-encoded", callerNumber, message) and the native ones (message_id, number, from, body, ts).
 * Other events: 'snapshot' (calls already in progress, after each (re)subscribe; its access is 'full' when this page
 * may command them and hear them, else 'watch'), 'connect', 'disconnect', 'error'.
 * tinyphone.prime(data) draws the calls in progress that the server put into the page, before the socket is open.
 * The connection comes back by itself after a drop (backoff up to 10 s) and subscribes again.
 *
 * A call's audio (docs/protocol.md, "A call's audio"; needs the right to command the call):
 *
 *   tinyphone.on('audio', function (e) { draw(e.samples); });   // 20 ms: e.call, e.seq, e.lost, e.format, e.samples
 *   tinyphone.on('audio_end', function (e) { ... });             // e.call, e.reason, e.frames, e.lost
 *   tinyphone.listen(callId, 'ulaw');                            // or 'slin', 'slin16'; stopListening(callId)
 *   tinyphone.sendAudio(callId, 'slin', int16Samples);           // played at real time; clearAudio(callId)
 *
 * e.samples is an Int16Array of the frame's samples (µ-law decoded), e.payload the frame's bytes in base64.
 *
 * A media stream of the call to a Twilio Media Streams app (docs/streams.md; needs the right to command the call):
 *
 *   tinyphone.stream(callId, 'wss://bot.example.org/media');     // a host the server's stream.allow lists
 *   tinyphone.on('stream', function (e) { ... });                // e.call, e.status (connected, stopped, error), e.detail
 *   tinyphone.stopStream(callId);
 */
(function (global) {
  'use strict';

  var ALL = '*';
  var handlers = {};
  var socket = null;
  var url = null;
  var numbers = [];
  var tokens = {};
  var nextId = 1;
  var pending = {};
  var backoff = 250;
  var connected = false;
  var closedByUser = false;

  function emit(name, data) {
    var list = handlers[name] || [];
    for (var i = 0; i < list.length; i++) {
      try {
        list[i](data);
      } catch (err) {
        if (global.console) console.error('tinyphone: a ' + name + ' handler failed', err);
      }
    }
  }

  // G.711 µ-law to 16-bit linear: each code's value, computed once (0x00 -> -32124 ... 0xff -> 0)
  var ULAW = new Int16Array(256);
  for (var code = 0; code < 256; code++) {
    var u = ~code & 0xff;
    var t = (((u & 0x0f) << 3) + 0x84) << ((u & 0x70) >> 4);
    ULAW[code] = (u & 0x80) ? 0x84 - t : t - 0x84;
  }

  /** The bytes of base64 text. */
  function fromBase64(text) {
    var bin = global.atob(text || '');
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return bytes;
  }

  function toBase64(bytes, from, to) {
    var parts = [];
    for (var i = from; i < to; i += 4096) {
      parts.push(String.fromCharCode.apply(null, bytes.subarray(i, Math.min(to, i + 4096))));
    }
    return global.btoa(parts.join(''));
  }

  /** A frame's samples: µ-law decoded, or 16-bit little-endian as they are. */
  function samples(format, bytes) {
    var out;
    if (format === 'ulaw') {
      out = new Int16Array(bytes.length);
      for (var i = 0; i < bytes.length; i++) out[i] = ULAW[bytes[i]];
      return out;
    }
    out = new Int16Array(bytes.length >> 1);
    for (var j = 0; j < out.length; j++) out[j] = (bytes[2 * j] | bytes[2 * j + 1] << 8) << 16 >> 16;
    return out;
  }

  /** Audio to send as bytes: an Int16Array of samples, a Uint8Array or ArrayBuffer of bytes, or base64 text. */
  function audioBytes(data) {
    if (typeof data === 'string') return fromBase64(data);
    if (data instanceof Int16Array) {
      var b = new Uint8Array(data.length * 2);
      for (var i = 0; i < data.length; i++) {
        b[2 * i] = data[i] & 0xff;
        b[2 * i + 1] = (data[i] >> 8) & 0xff;
      }
      return b;
    }
    if (data instanceof ArrayBuffer) return new Uint8Array(data);
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  }

  /** Bytes of audio per send_audio message: it must fit the server's clients.max-line (16 KiB by default). */
  var AUDIO_PIECE = 7680;

  /** Gives a native event the original client's fields too. */
  function shape(msg) {
    var e = {};
    for (var k in msg) if (Object.prototype.hasOwnProperty.call(msg, k)) e[k] = msg[k];
    e.id = msg.call;
    if (msg.type === 'new_caller') {
      e.event = 'new_call';
      e.value = [msg.caller_id || ''].concat(msg.args || []).join('|');
    } else {
      e.event = msg.type;
      if (msg.type === 'hangup') e.value = msg.cause;
      if (msg.type === 'stream') e.value = msg.status + '|' + encodeURIComponent(msg.detail || '');
    }
    return e;
  }

  function send(obj) {
    if (!socket || socket.readyState !== 1) return false;
    socket.send(JSON.stringify(obj));
    return true;
  }

  function request(obj) {
    var id = 'w' + (nextId++);
    obj.id = id;
    return new Promise(function (resolve) {
      if (!send(obj)) {
        resolve({ ok: false, value: '', error: 'not connected to the Tinyphone server' });
        return;
      }
      pending[id] = resolve;
    });
  }

  function subscribeAll() {
    for (var i = 0; i < numbers.length; i++) {
      var n = numbers[i];
      var msg = { type: 'subscribe', id: 's' + (nextId++), number: n };
      if (tokens[n]) msg.token = tokens[n];
      send(msg);
    }
  }

  function onMessage(text) {
    var msg;
    try {
      msg = JSON.parse(text);
    } catch (err) {
      return;
    }
    switch (msg.type) {
      case 'new_caller':
        var call = shape(msg);
        emit('new_call', call);
        emit('new_caller', call);
        break;
      case 'keypress':
      case 'audio_level':
      case 'hangup':
        emit(msg.type, shape(msg));
        break;
      case 'audio':
        var frame = shape(msg);
        frame.samples = samples(msg.format, fromBase64(msg.payload));
        emit('audio', frame);
        break;
      case 'audio_end':
      case 'stream':
        emit(msg.type, shape(msg));
        break;
      case 'sms':
        var sms = {};
        for (var f in msg) if (Object.prototype.hasOwnProperty.call(msg, f)) sms[f] = msg[f];
        sms.id = msg.message_id;
        sms.event = 'sms';
        sms.value = (msg.from || '') + '|' + encodeURIComponent(msg.body || '');
        sms.callerNumber = msg.from || '';
        sms.message = msg.body || '';
        emit('sms', sms);
        break;
      case 'subscribed':
        var calls = [];
        for (var i = 0; i < (msg.calls || []).length; i++) {
          var c = shape(msg.calls[i]);
          c.event = 'new_call';
          c.value = [c.caller_id || ''].concat(c.args || []).join('|');
          calls.push(c);
        }
        emit('snapshot', { number: msg.number, access: msg.access || 'watch', calls: calls });
        break;
      case 'result':
        if (pending[msg.id]) {
          pending[msg.id]({ ok: !!msg.ok, value: msg.value || '', error: msg.error || null });
          delete pending[msg.id];
        }
        break;
      case 'error':
        if (msg.id && pending[msg.id]) {
          pending[msg.id]({ ok: false, value: '', error: msg.message });
          delete pending[msg.id];
        } else {
          emit('error', { code: msg.code, message: msg.message });
        }
        break;
      case 'disconnect':
        emit('error', { code: 'disconnect', message: msg.reason });
        break;
      default:
        break;
    }
  }

  function connect() {
    try {
      socket = new WebSocket(url);
    } catch (err) {
      schedule();
      return;
    }
    socket.onopen = function () {
      connected = true;
      backoff = 250;
      subscribeAll();
      emit('connect', { url: url });
    };
    socket.onmessage = function (ev) {
      onMessage(ev.data);
    };
    socket.onclose = function (ev) {
      var was = connected;
      connected = false;
      for (var id in pending) {
        if (Object.prototype.hasOwnProperty.call(pending, id)) {
          pending[id]({ ok: false, value: '', error: 'connection lost' });
        }
      }
      pending = {};
      if (was) emit('disconnect', { code: ev.code, reason: ev.reason });
      if (!closedByUser) schedule();
    };
  }

  function schedule() {
    setTimeout(connect, backoff);
    backoff = Math.min(backoff * 2, 10000);
  }

  function command(callId, name, args) {
    var msg = { type: 'command', call: callId, command: name };
    for (var k in args) if (Object.prototype.hasOwnProperty.call(args, k)) msg[k] = args[k];
    return request(msg);
  }

  var tinyphone = {
    /**
     * Connects to the server and watches a number ("*" or nothing: every number).
     * host/port default to the page's own; options.token for a number that needs one; options.path ("/ws").
     */
    init: function (host, port, number, options) {
      options = options || {};
      var loc = global.location || {};
      host = host || loc.hostname || '127.0.0.1';
      port = port || loc.port || 12003;
      var scheme = loc.protocol === 'https:' ? 'wss://' : 'ws://';
      url = scheme + host + ':' + port + (options.path || '/ws');
      numbers = [];
      tokens = {};
      this.watch(number || ALL, options.token);
      closedByUser = false;
      if (socket) {
        var old = socket;
        old.onclose = null;
        old.onmessage = null;
        old.close();
        connected = false;
      }
      connect();
      return this;
    },

    /** Watches one more number (also after init). */
    watch: function (number, token) {
      number = String(number);
      if (numbers.indexOf(number) < 0) numbers.push(number);
      if (token) tokens[number] = token;
      if (connected) {
        var msg = { type: 'subscribe', id: 's' + (nextId++), number: number };
        if (token) msg.token = token;
        send(msg);
      }
      return this;
    },

    /** Stops watching a number. */
    unwatch: function (number) {
      number = String(number);
      numbers = numbers.filter(function (n) { return n !== number; });
      send({ type: 'unsubscribe', id: 'u' + (nextId++), number: number });
      return this;
    },

    /**
     * Listens: 'new_call' (alias 'new_caller'), 'keypress', 'audio_level', 'hangup', 'sms', 'audio', 'audio_end',
     * 'stream', 'snapshot', 'connect', 'disconnect', 'error'.
     */
    on: function (event, fn) {
      (handlers[event] = handlers[event] || []).push(fn);
      return this;
    },

    /** Plays a sound file; a key in escapeDigits stops it (that key is the value). */
    play: function (callId, file, escapeDigits) {
      return command(callId, 'play', { file: file, escape_digits: escapeDigits || '' });
    },

    /** Says a number (a number) or digits one by one (a string of digits). */
    say: function (callId, what) {
      if (typeof what === 'number') return command(callId, 'say_number', { number: what });
      return command(callId, 'say_digits', { digits: String(what) });
    },

    /** Plays options.prompt and collects up to options.maxDigits keys ('#' ends); value = the digits. */
    collect: function (callId, options) {
      options = options || {};
      return command(callId, 'collect_digits', {
        prompt: options.prompt || '',
        max_digits: options.maxDigits || 1,
        timeout_ms: options.timeoutMs || 5000
      });
    },

    /** Sets a channel variable on the call. */
    setVariable: function (callId, name, value) {
      return command(callId, 'set_variable', { name: name, value: String(value) });
    },

    /** Hangs up the call. */
    hangup: function (callId) {
      return command(callId, 'hangup', {});
    },

    /** Listens to the call's audio: 'audio' events (20 ms each) in format ('ulaw' by default, 'slin', 'slin16'). */
    listen: function (callId, format) {
      return command(callId, 'listen', { format: format || 'ulaw' });
    },

    /** Stops listening to the call's audio (its 'audio_end' comes first). */
    stopListening: function (callId) {
      return command(callId, 'stop_listen', {});
    },

    /**
     * Plays audio to the caller, after what was sent before, at real time: data in format ('ulaw', 'slin' or 'slin16')
     * as an Int16Array of samples, bytes (Uint8Array, ArrayBuffer) or base64 text; sent in pieces, each after the
     * previous one's answer. Resolves to the last answer ({ok, value: ms waiting to be played, error}).
     */
    sendAudio: function (callId, format, data) {
      var bytes = audioBytes(data);
      var at = 0;
      function next(answer) {
        if (at >= bytes.length || (answer && !answer.ok)) {
          return Promise.resolve(answer || { ok: false, value: '', error: 'no audio' });
        }
        var to = Math.min(bytes.length, at + AUDIO_PIECE);
        var payload = toBase64(bytes, at, to);
        at = to;
        return command(callId, 'send_audio', { format: format, payload: payload }).then(next);
      }
      return next(null);
    },

    /**
     * Streams the call to a Twilio Media Streams app (url: ws:// or wss://, on a host the server's stream.allow lists);
     * resolves to {ok, value: the URL without its query, error}; then 'stream' events (e.status: 'connected',
     * 'stopped' or 'error', e.detail) say how it goes. docs/streams.md.
     */
    stream: function (callId, url) {
      return command(callId, 'stream', { url: String(url) });
    },

    /** Ends the call's media stream (the app gets 'stop'); the call goes on. */
    stopStream: function (callId) {
      return command(callId, 'stop_stream', {});
    },

    /** Drops the audio still waiting to be played to the caller. */
    clearAudio: function (callId) {
      return command(callId, 'clear_audio', {});
    },

    /**
     * Draws the calls in progress that came with the page (the server's 'subscribed' reply, JSON text or object) as a
     * 'snapshot', before the WebSocket is open; ignored once it is open (its own snapshot is newer).
     */
    prime: function (data) {
      var msg = data;
      if (connected) return false;
      if (typeof data === 'string') {
        try {
          msg = JSON.parse(data);
        } catch (err) {
          return false;
        }
      }
      if (!msg || msg.type !== 'subscribed') return false;
      onMessage(JSON.stringify(msg));
      return true;
    },

    /** True while the WebSocket is open. */
    isConnected: function () {
      return connected;
    },

    /** Closes the connection for good. */
    close: function () {
      closedByUser = true;
      if (socket) socket.close();
    }
  };

  global.tinyphone = tinyphone;
})(typeof window !== 'undefined' ? window : this);
