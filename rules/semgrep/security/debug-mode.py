from flask import Flask
import os

app = Flask(__name__)

if __name__ == "__main__":
    # ruleid: flask-debug-run
    app.run(host="0.0.0.0", debug=True)

def main():
    # ok: flask-debug-run
    app.run(debug=os.environ.get("FLASK_DEBUG") == "1")
