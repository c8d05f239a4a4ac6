DROP TRIGGER tr_accounts_touch ON accounts;
DROP FUNCTION touch_account();
DROP TABLE accounts;
