import threading
import time

WORK = {{work}}            # seconds of computing after a click on "Download" / секунд вычислений после нажатия «Download»
WHERE = '{{where}}'        # 'page': in the click handler; 'worker': in a thread / 'page': в обработчике нажатия; 'worker': в потоке

def download():
    name = threading.current_thread().name
    print(f'{name}: download started')
    start = time.monotonic()
    steps = 0
    while time.monotonic() - start < WORK:     # busy all the time, never waits / всё время занят, никогда не ждёт
        steps += 1
    print(f'{name}: download finished, {steps} steps in {time.monotonic() - start:.1f} s')

def on_download_click():                       # runs on the UI thread / выполняется в потоке интерфейса
    if WHERE == 'page':
        download()                             # the UI is frozen until it returns / интерфейс заморожен, пока она не вернётся
    else:
        threading.Thread(target=download, name='download').start()   # returns at once / возвращается сразу
    print('UI: click handled')

on_download_click()
