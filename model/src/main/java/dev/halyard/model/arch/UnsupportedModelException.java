package dev.halyard.model.arch;

/** A well-formed model file that Halyard cannot run (architecture, tensor type, missing tensor…). */
public final class UnsupportedModelException extends RuntimeException {
    public UnsupportedModelException(String message) {
        super(message);
    }
}
