package io.jbouncer.core.config;

import java.util.List;

/**
 * A configuration that loads but asks for behaviour jbouncer does not have (see {@link SettingSupport}): start-up
 * refuses it with one line per setting, and a reload keeps the running configuration.
 */
public final class UnsupportedSettingsException extends Exception {

    private static final long serialVersionUID = 1L;

    private final transient List<SettingSupport.Refusal> refusals;

    public UnsupportedSettingsException(List<SettingSupport.Refusal> refusals) {
        super(String.join("; ", refusals.stream().map(SettingSupport.Refusal::message).toList()));
        this.refusals = List.copyOf(refusals);
    }

    /** Throws when {@code config} holds any refused value. */
    public static void check(Config config) throws UnsupportedSettingsException {
        List<SettingSupport.Refusal> found = SettingSupport.refusals(config);
        if (!found.isEmpty()) {
            throw new UnsupportedSettingsException(found);
        }
    }

    /** The refused values, one per setting or entry key. */
    public List<SettingSupport.Refusal> refusals() {
        return refusals;
    }
}
