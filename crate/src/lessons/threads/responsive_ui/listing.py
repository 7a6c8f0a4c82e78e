import threading
import time

WORK = {{work}}            # seconds of computing after a click on "Download"
WHERE = '{{where}}'        # 'page': in the click handler; 'worker': in a thread

def download():
    name = threading.current_thread().name
    print(f'{name}: download started')
    start = time.monotonic()
    steps = 0
    while time.monotonic() - start < WORK:     # busy all the time, never waits
        steps += 1
    print(f'{name}: download finished, {steps} steps in {time.monotonic() - start:.1f} s')

def on_download_click():                       # runs on the UI thread
    if WHERE == 'page':
        download()                             # the UI is frozen until it returns
    else:
        threading.Thread(target=download, name='download').start()   # returns at once
    print('UI: click handled')

on_download_click()
