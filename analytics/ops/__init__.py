"""Operations: sign-in, privacy and erasure, backup, health, the demo and sample data, delivery."""
