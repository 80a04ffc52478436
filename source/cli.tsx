console.log('leaktop');
