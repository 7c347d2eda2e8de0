package io.jbouncer.core.net;

import io.jbouncer.core.config.Config;
import java.util.function.Supplier;

/**
 * The {@link SocketTuning} of the configuration in force, made once per configuration: a reload or a console
 * {@code SET} publishes a new {@link Config} object, and only then is the tuning worked out again. Every accepted
 * client and every new server connection asks for it, so it must not cost six setting lookups and a map each time.
 */
public final class CurrentSocketTuning implements Supplier<SocketTuning> {
    private final Supplier<Config> config;
    private final Transport transport;
    /** The last configuration seen and its tuning; replaced whole, so readers on any loop see a matching pair. */
    private volatile Made made;

    private record Made(Config from, SocketTuning tuning) {
    }

    public CurrentSocketTuning(Supplier<Config> config, Transport transport) {
        this.config = config;
        this.transport = transport;
    }

    @Override
    public SocketTuning get() {
        Config current = config.get();
        Made last = made;
        if (last == null || last.from != current) {
            last = new Made(current, SocketTuning.of(current, transport));
            made = last; // two loops racing here make the same tuning; either may stay
        }
        return last.tuning;
    }
}
