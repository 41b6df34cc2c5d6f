"""Multi-armed and restless bandits, coRMAB domains, Whittle index and SEQUOIA (later issues)."""
