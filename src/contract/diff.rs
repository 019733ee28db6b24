//! Diffing two contract versions: breaking and compatible changes.
