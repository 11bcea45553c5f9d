package org.tinyphone.bench.agi;

import java.net.InetAddress;
import org.asteriskjava.fastagi.AgiChannel;
import org.asteriskjava.fastagi.AgiException;
import org.asteriskjava.fastagi.AgiRequest;
import org.asteriskjava.fastagi.AgiScript;
import org.asteriskjava.fastagi.DefaultAgiServer;
import org.asteriskjava.fastagi.StaticMappingStrategy;

/** asterisk-java's DefaultAgiServer with the benchmark scripts; {@code raised} lifts its 500-thread pool cap. */
final class AsteriskJavaAgi implements AgiServerMain.Impl {
    /** Raised pool: enough platform threads for every call of the 10,000-call runs. */
    static final int RAISED_MAX_POOL = 12_000;

    private final boolean raised;
    private DefaultAgiServer server;

    AsteriskJavaAgi(boolean raised) {
        this.raised = raised;
    }

    static final class CallScript implements AgiScript {
        @Override
        public void service(AgiRequest request, AgiChannel channel) throws AgiException {
            channel.answer();
            channel.getVariable("CALLERID(name)");
            channel.streamFile("hello-world");
            channel.streamFile("goodbye");
            channel.sayNumber("42");
            channel.hangup();
        }
    }

    static final class ParkScript implements AgiScript {
        @Override
        public void service(AgiRequest request, AgiChannel channel) throws AgiException {
            channel.waitForDigit(-1);
            channel.hangup();
        }
    }

    @Override
    public int start(String script) throws Exception {
        AgiScript s = "park".equals(script) ? new ParkScript() : new CallScript();
        server = new DefaultAgiServer(new StaticMappingStrategy(s));
        int port = AgiServerMain.freePort();
        server.setPort(port);
        server.setAddress(InetAddress.getByName("127.0.0.1"));
        if (raised) {
            server.setPoolSize(100);
            server.setMaximumPoolSize(RAISED_MAX_POOL);
        }
        Thread.ofPlatform().name("aj-agi-accept").daemon().start(() -> {
            try {
                server.startup();
            } catch (Exception e) {
                e.printStackTrace();
            }
        });
        return port;
    }

    @Override
    public void close() {
        if (server != null) server.shutdown();
    }
}
