package dev.halyard.model.constrain;

/**
 * One frame of a parse stack: a program position and the frame below it (null at the bottom). The
 * top frame of a stack sits on a character class, the frames below it on the elements that follow
 * each enclosing rule reference. Frames are interned by their {@link GrammarMatcher}, so two equal
 * stacks are the same object and a stack set can be keyed by frame ids.
 */
final class Frame {
    final int pos; // program position in the grammar
    final Frame parent; // the rest of the stack, or null
    final int id; // unique within the matcher that interned it

    Frame(int pos, Frame parent, int id) {
        this.pos = pos;
        this.parent = parent;
        this.id = id;
    }
}
