@echo off
rem Checks your exercises in course order: the same as `cargo grade`, from anywhere.
rem Arguments are passed on: try `scripts\grade --help`.
setlocal
cd /d "%~dp0.."
cargo grade %*
exit /b %ERRORLEVEL%
