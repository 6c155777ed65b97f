-- The automatic lock: unlocking needs the clinician's password, offline too. The session keeps
-- an Argon2id verifier of it (PHC string), written at each sign-in and removed at sign-out. It
-- lives in the encrypted cache, like everything else the password protects. Wrong passwords are
-- counted here, so quitting the app does not refill the tries.
--
-- Signing out keeps the row, marked signed_out: the cache still belongs to that clinician, and a
-- different one signing in next empties it first (or is refused while the outbox holds work).
ALTER TABLE local_session ADD COLUMN unlock_verifier TEXT;
ALTER TABLE local_session ADD COLUMN unlock_failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE local_session ADD COLUMN signed_out INTEGER NOT NULL DEFAULT 0 CHECK (signed_out IN (0, 1));
