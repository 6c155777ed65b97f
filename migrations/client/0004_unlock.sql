-- The automatic lock: unlocking needs the clinician's password, offline too. The session keeps
-- an Argon2id verifier of it (PHC string), written at each sign-in and removed with the session.
-- It lives in the encrypted cache, like everything else the password protects.
ALTER TABLE local_session ADD COLUMN unlock_verifier TEXT;
