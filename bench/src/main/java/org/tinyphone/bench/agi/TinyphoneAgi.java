package org.tinyphone.bench.agi;

import org.tinyphone.agi.AgiApp;
import org.tinyphone.agi.fastagi.FastAgiServer;

/** Tinyphone's FastAgiServer (default settings) with the benchmark scripts. */
final class TinyphoneAgi implements AgiServerMain.Impl {
    private FastAgiServer server;

    static AgiServerMain.Impl create() {
        return new TinyphoneAgi();
    }

    static final AgiApp CALL = ch -> {
        ch.answer();
        ch.getVariable("CALLERID(name)");
        ch.streamFile("hello-world");
        ch.streamFile("goodbye");
        ch.sayNumber(42, "");
        ch.hangup();
    };

    static final AgiApp PARK = ch -> {
        ch.waitForDigit(-1);
        ch.hangup();
    };

    @Override
    public int start(String script) throws Exception {
        server = FastAgiServer.builder().port(0).route("/" + script, "park".equals(script) ? PARK : CALL).start();
        return server.port();
    }

    @Override
    public void close() {
        if (server != null) server.close();
    }
}
