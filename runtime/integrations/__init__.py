"""What lets actionflows reach the world: project secrets, outbound HTTP, the outbox, the code sandbox, change and webhook triggers."""
